using System.Globalization;
using System.Text;

namespace RbpPipeline.Visualization;

/// <summary>Number and text formatting shared by every element the library writes.</summary>
internal static class SvgFormat
{
    /// <summary>
    /// A coordinate: at most 3 decimals, because a thousandth of a pixel is far below what any renderer shows and
    /// shorter numbers keep pictures of several thousand positions small.
    /// </summary>
    public static string Coord(double value)
    {
        RequireFinite(value);
        var rounded = Math.Round(value, 3, MidpointRounding.AwayFromZero);
        // "-0" is valid SVG but makes otherwise identical output differ by a sign.
        return rounded == 0 ? "0" : rounded.ToString("0.###", CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// A scale factor: 7 significant digits (no exponent). Letter heights are scale factors, and a logo of a noisy
    /// map holds values spanning several orders of magnitude, so a fixed number of decimals would flatten the small
    /// ones to 0 while the large ones need no more than a few decimals.
    /// </summary>
    public static string Scale(double value)
    {
        RequireFinite(value);
        if (value == 0) return "0";
        var magnitude = (int)Math.Floor(Math.Log10(Math.Abs(value)));
        var decimals = Math.Clamp(6 - magnitude, 0, 12);
        var rounded = Math.Round(value, decimals, MidpointRounding.AwayFromZero);
        if (rounded == 0) return "0";
        var format = decimals == 0 ? "0" : "0." + new string('#', decimals);
        return rounded.ToString(format, CultureInfo.InvariantCulture);
    }

    /// <summary>A value shown to a reader (colour-bar ends, tooltips): <paramref name="digits"/> significant digits.</summary>
    public static string Significant(double value, int digits = 3)
    {
        if (double.IsNaN(value)) return "NaN";
        if (double.IsInfinity(value)) return value > 0 ? "Inf" : "-Inf";
        if (value == 0) return "0";
        var magnitude = (int)Math.Floor(Math.Log10(Math.Abs(value)));
        var decimals = Math.Clamp(digits - 1 - magnitude, 0, 12);
        var rounded = Math.Round(value, decimals, MidpointRounding.AwayFromZero);
        if (rounded == 0) return "0";
        var format = decimals == 0 ? "0" : "0." + new string('#', decimals);
        return rounded.ToString(format, CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Escapes text for element content and attribute values alike. Everything outside printable ASCII becomes a
    /// character reference, so the output means the same whatever encoding the caller's TextWriter uses; characters
    /// XML 1.0 forbids (control characters, unpaired surrogates) become U+FFFD rather than breaking the document.
    /// </summary>
    public static string Escape(string text)
    {
        StringBuilder? sb = null;
        for (var i = 0; i < text.Length; i++)
        {
            var ch = text[i];
            string? replacement = ch switch
            {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '"' => "&quot;",
                '\'' => "&apos;",
                _ => null,
            };
            var consumed = 1;
            if (replacement is null && (ch < 0x20 || ch > 0x7E))
            {
                int codePoint;
                if (char.IsHighSurrogate(ch) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                {
                    codePoint = char.ConvertToUtf32(ch, text[i + 1]);
                    consumed = 2;
                }
                else if (char.IsSurrogate(ch) || (ch < 0x20 && ch is not ('\t' or '\n' or '\r')) || ch is '\uFFFE' or '\uFFFF')
                    codePoint = 0xFFFD;
                else
                    codePoint = ch;
                replacement = "&#x" + codePoint.ToString("X", CultureInfo.InvariantCulture) + ";";
            }
            if (replacement is null)
            {
                sb?.Append(ch);
                continue;
            }
            sb ??= new StringBuilder(text.Length + 16).Append(text, 0, i);
            sb.Append(replacement);
            i += consumed - 1;
        }
        return sb?.ToString() ?? text;
    }

    private static void RequireFinite(double value)
    {
        // Inputs are validated before layout; a non-finite coordinate here is a bug in the layout, not bad input.
        if (!double.IsFinite(value))
            throw new InvalidOperationException($"internal layout error: non-finite number {value} in SVG output");
    }
}
