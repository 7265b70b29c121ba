namespace RbpPipeline.Visualization;

/// <summary>
/// Stacks of letters at one position. Positive values are stacked upward from the baseline and negative values
/// downward, in both directions smallest magnitude nearest the baseline and largest farthest from it (the
/// conventional logo order: the letter that matters most sits at the top or bottom of its column where the eye
/// finds it). Ties keep channel order A, C, G, U so the output does not depend on sort stability.
/// </summary>
internal static class LogoColumns
{
    /// <param name="describe">The hover metadata of the letter of a channel with a value; null for none.</param>
    public static void Draw(SvgDocument document, ReadOnlySpan<double> values, double x, double width, double baselineY,
        double pixelsPerUnit, NucleotideColors colors, Func<int, double, DataPoint>? describe = null)
    {
        Span<int> order = stackalloc int[values.Length];
        for (var i = 0; i < order.Length; i++) order[i] = i;
        // Insertion sort: four elements, and an explicit tie-break instead of relying on a stable library sort.
        for (var i = 1; i < order.Length; i++)
        {
            var current = order[i];
            var j = i - 1;
            while (j >= 0 && Before(values, current, order[j]))
            {
                order[j + 1] = order[j];
                j--;
            }
            order[j + 1] = current;
        }

        var up = baselineY;
        var down = baselineY;
        foreach (var channel in order)
        {
            var value = values[channel];
            if (value == 0) continue;
            var height = Math.Abs(value) * pixelsPerUnit;
            if (value > 0)
            {
                up -= height;
                LetterGlyphs.Draw(document, LetterGlyphs.Alphabet[channel], x, up, width, height, colors.ForChannel(channel),
                    describe?.Invoke(channel, value));
            }
            else
            {
                LetterGlyphs.Draw(document, LetterGlyphs.Alphabet[channel], x, down, width, height, colors.ForChannel(channel),
                    describe?.Invoke(channel, value));
                down += height;
            }
        }
    }

    private static bool Before(ReadOnlySpan<double> values, int a, int b)
    {
        var ma = Math.Abs(values[a]);
        var mb = Math.Abs(values[b]);
        return ma < mb || (ma == mb && a < b);
    }
}
