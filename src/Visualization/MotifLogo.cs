using System.Globalization;

namespace RbpPipeline.Visualization;

/// <summary>
/// Information-content logo of a motif given as a position probability matrix. The column at position w is
/// IC(w) = 2 − H(w) bits tall, H(w) = −Σ p log2 p the Shannon entropy of the row (0 log 0 = 0, no small-sample
/// correction), and each letter is p × IC(w) tall, the most probable letter on top. The y axis is fixed at 0..2
/// bits so that logos of different motifs compare directly. Every letter carries its position, base and
/// probability as data- attributes (and a hover title with the bits).
/// </summary>
public static class MotifLogo
{
    private const double MaxBits = 2;

    /// <summary>Renders the logo as SVG text.</summary>
    /// <param name="ppm">
    /// [W, 4] row-major: row w holds the probabilities of A, C, G, U at position w. Note the orientation differs
    /// from the channel-major [4, L] maps of <see cref="AttributionLogo"/>. Rows are normalised to sum 1, so count
    /// matrices are accepted too.
    /// </param>
    /// <param name="name">Motif name, drawn as the title.</param>
    public static string Render(float[] ppm, string? name = null, MotifLogoOptions? options = null) =>
        Build(ppm, name, options).ToString();

    /// <summary>As <see cref="Render(float[], string?, MotifLogoOptions?)"/> from a [W, 4] array.</summary>
    public static string Render(double[,] ppm, string? name = null, MotifLogoOptions? options = null) =>
        Build(ppm, name, options).ToString();

    /// <summary>As <see cref="Render(float[], string?, MotifLogoOptions?)"/>, returned as a document.</summary>
    public static SvgDocument Build(float[] ppm, string? name = null, MotifLogoOptions? options = null) =>
        Build(Heights(Widen(ppm)), name, options);

    /// <summary>As <see cref="Render(double[,], string?, MotifLogoOptions?)"/>, returned as a document.</summary>
    public static SvgDocument Build(double[,] ppm, string? name = null, MotifLogoOptions? options = null) =>
        Build(Heights(Flatten(ppm)), name, options);

    /// <summary>
    /// Letter heights in bits, [W, 4] row-major like the input: p(w, b) × (2 − H(w)) after normalising each row.
    /// </summary>
    /// <exception cref="ArgumentException">Wrong shape, a negative or non-finite entry, or a row summing to 0.</exception>
    public static double[] LetterHeights(float[] ppm) => Heights(Widen(ppm));

    /// <inheritdoc cref="LetterHeights(float[])"/>
    public static double[] LetterHeights(double[,] ppm) => Heights(Flatten(ppm));

    private static SvgDocument Build(double[] heights, string? name, MotifLogoOptions? options)
    {
        options ??= MotifLogoOptions.Default;
        var width = heights.Length / 4;
        Input.Positive(options.PixelsPerPosition, nameof(options.PixelsPerPosition));
        Input.Positive(options.PlotHeight, nameof(options.PlotHeight));
        Input.Fraction(options.LetterWidthFraction, nameof(options.LetterWidthFraction));
        Input.TickEvery(options.TickEvery, nameof(options.TickEvery));
        var style = options.Style;

        var step = Axis.NiceStep(MaxBits, 4);
        var ticks = Axis.Ticks(0, MaxBits, step);
        static string Label(int index) => (index + 1).ToString(CultureInfo.InvariantCulture);
        var pixelsPerPosition = Math.Max(options.PixelsPerPosition, options.MinPlotWidth / width);
        var xTicks = PlotFrame.PositionTicks(width, options.TickEvery, pixelsPerPosition, Label, style.FontSize);

        var plotLeft = style.Margin + PlotFrame.YAxisWidth(style, ticks, step, options.YLabel);
        var plotTop = PlotFrame.TitleHeight(name, style) + style.FontSize * 0.6;
        var plotWidth = pixelsPerPosition * width;
        var plotHeight = options.PlotHeight;
        var contentWidth = plotLeft + plotWidth + style.Margin;
        var pictureWidth = Math.Max(contentWidth, PlotFrame.TitleWidth(name, style));
        // A long motif name over a short motif would otherwise leave the logo hugging the left edge.
        var shift = (pictureWidth - contentWidth) / 2;
        plotLeft += shift;
        var pictureHeight = plotTop + plotHeight + PlotFrame.XAxisHeight(style, options.XLabel) + style.Margin;

        var document = PlotFrame.Start(pictureWidth, pictureHeight, name, style);
        var scale = new LinearScale(0, MaxBits, plotTop + plotHeight, plotTop);
        PlotFrame.DrawYAxis(document, style, plotLeft, scale, ticks, step, options.YLabel, shift + PlotFrame.YLabelX(style));

        document.BeginGroup("letters");
        var letterWidth = pixelsPerPosition * options.LetterWidthFraction;
        var inset = (pixelsPerPosition - letterWidth) / 2;
        for (var w = 0; w < width; w++)
        {
            var position = w;
            double information = 0;
            for (var c = 0; c < 4; c++) information += heights[w * 4 + c];
            LogoColumns.Draw(document, heights.AsSpan(w * 4, 4), plotLeft + w * pixelsPerPosition + inset, letterWidth,
                scale.Map(0), scale.PixelsPerUnit, options.Colors, (channel, bits) =>
                {
                    var letter = LetterGlyphs.Alphabet[channel];
                    // A letter's height is p × IC, so its probability is height / IC (IC > 0 wherever a letter is drawn).
                    var probability = bits / information;
                    var tip = options.Tooltips
                        ? $"position {Label(position)} {letter}: p = {SvgFormat.Significant(probability, 3)}, {SvgFormat.Significant(bits, 3)} bits"
                        : null;
                    return new DataPoint(position, letter, probability, null, tip);
                });
        }
        document.EndGroup();

        PlotFrame.DrawPositionAxis(document, style, plotLeft, plotWidth, plotTop + plotHeight, pixelsPerPosition, xTicks,
            Label, options.XLabel);
        return document;
    }

    private static double[] Heights(double[] ppm)
    {
        var width = ppm.Length / 4;
        var heights = new double[ppm.Length];
        Span<double> p = stackalloc double[4];
        for (var w = 0; w < width; w++)
        {
            double sum = 0;
            for (var c = 0; c < 4; c++)
            {
                var value = ppm[w * 4 + c];
                if (!double.IsFinite(value))
                    throw new ArgumentException($"ppm is {Input.Describe(value)} at {Input.Where(w, c)}", nameof(ppm));
                if (value < 0)
                    throw new ArgumentException($"ppm is negative ({value.ToString("R", CultureInfo.InvariantCulture)}) at {Input.Where(w, c)}", nameof(ppm));
                sum += value;
            }
            if (sum <= 0) throw new ArgumentException($"ppm row at {Input.Position(w)} sums to 0", nameof(ppm));

            double entropy = 0;
            for (var c = 0; c < 4; c++)
            {
                p[c] = ppm[w * 4 + c] / sum;
                if (p[c] > 0) entropy -= p[c] * Math.Log2(p[c]);
            }
            // Rounding can push a uniform row's entropy a hair above 2 bits.
            var information = Math.Max(0, MaxBits - entropy);
            for (var c = 0; c < 4; c++) heights[w * 4 + c] = p[c] * information;
        }
        return heights;
    }

    private static double[] Widen(float[] ppm)
    {
        ArgumentNullException.ThrowIfNull(ppm);
        CheckShape(ppm.Length);
        return Array.ConvertAll(ppm, v => (double)v);
    }

    private static void CheckShape(int count)
    {
        if (count == 0 || count % 4 != 0)
            throw new ArgumentException($"a position probability matrix must hold W x 4 values (rows positions, columns A, C, G, U); got {count} values", "ppm");
    }

    private static double[] Flatten(double[,] ppm)
    {
        ArgumentNullException.ThrowIfNull(ppm);
        if (ppm.GetLength(1) != 4)
            throw new ArgumentException($"a position probability matrix is [W, 4] (columns A, C, G, U); got [{ppm.GetLength(0)}, {ppm.GetLength(1)}]", nameof(ppm));
        CheckShape(ppm.Length);
        var flat = new double[ppm.Length];
        for (var w = 0; w < ppm.GetLength(0); w++)
            for (var c = 0; c < 4; c++) flat[w * 4 + c] = ppm[w, c];
        return flat;
    }
}
