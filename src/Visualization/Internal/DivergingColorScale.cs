using System.Globalization;

namespace RbpPipeline.Visualization;

/// <summary>An sRGB colour parsed from "#rrggbb", so that colours can be interpolated.</summary>
internal readonly record struct Rgb(byte R, byte G, byte B)
{
    public static Rgb Parse(string hex, string optionName)
    {
        if (hex is not { Length: 7 } || hex[0] != '#'
            || !int.TryParse(hex.AsSpan(1), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var packed))
            throw new ArgumentException($"{optionName} must be a colour written #rrggbb; got '{hex}'", optionName);
        return new Rgb((byte)(packed >> 16), (byte)(packed >> 8), (byte)packed);
    }

    public static Rgb Lerp(Rgb from, Rgb to, double t) => new(Mix(from.R, to.R, t), Mix(from.G, to.G, t), Mix(from.B, to.B, t));

    public override string ToString() => $"#{R:x2}{G:x2}{B:x2}";

    private static byte Mix(byte a, byte b, double t) => (byte)Math.Round(a + (b - a) * t, MidpointRounding.AwayFromZero);
}

/// <summary>
/// Negative colour at −limit, zero colour at 0, positive colour at +limit, linear in sRGB on each side, the same
/// interpolation an SVG gradient with those three stops uses, so the colour bar matches the cells. Values beyond
/// the limit take the end colour.
/// </summary>
internal sealed class DivergingColorScale
{
    private readonly Rgb _negative;
    private readonly Rgb _zero;
    private readonly Rgb _positive;

    public DivergingColorScale(double limit, IsmHeatmapOptions options)
    {
        Limit = limit;
        _negative = Rgb.Parse(options.NegativeColor, nameof(options.NegativeColor));
        _zero = Rgb.Parse(options.ZeroColor, nameof(options.ZeroColor));
        _positive = Rgb.Parse(options.PositiveColor, nameof(options.PositiveColor));
    }

    public double Limit { get; }

    public string Negative => _negative.ToString();

    public string Zero => _zero.ToString();

    public string Positive => _positive.ToString();

    public string ColorOf(double value)
    {
        var t = Math.Clamp(value / Limit, -1, 1);
        return (t >= 0 ? Rgb.Lerp(_zero, _positive, t) : Rgb.Lerp(_zero, _negative, -t)).ToString();
    }
}
