using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace RbpPipeline.Visualization.Tests;

/// <summary>A letter as placed in a picture: its unit box mapped to [X, X + ScaleX] × [Y, Y + ScaleY].</summary>
internal sealed record PlacedGlyph(char Letter, double X, double Y, double ScaleX, double ScaleY, string Fill)
{
    public double Bottom => Y + ScaleY;
}

/// <summary>Reads pictures back the way a viewer would: as XML, by element class and geometry.</summary>
internal static partial class SvgReader
{
    public static readonly XNamespace Svg = "http://www.w3.org/2000/svg";
    public static readonly XNamespace XLink = "http://www.w3.org/1999/xlink";

    public static XDocument Parse(string svg) => XDocument.Parse(svg, LoadOptions.None);

    public static IEnumerable<XElement> ByClass(this XContainer root, string cssClass) =>
        root.Descendants().Where(e => ((string?)e.Attribute("class"))?.Split(' ').Contains(cssClass) == true);

    public static XElement SingleByClass(this XContainer root, string cssClass) => Assert.Single(root.ByClass(cssClass));

    public static double Number(this XElement element, string attribute) =>
        double.Parse((string?)element.Attribute(attribute) ?? throw new InvalidOperationException($"{element.Name.LocalName} has no {attribute}"),
            NumberStyles.Float, CultureInfo.InvariantCulture);

    public static List<PlacedGlyph> Glyphs(this XContainer root)
    {
        var glyphs = new List<PlacedGlyph>();
        foreach (var use in root.Descendants(Svg + "use"))
        {
            var href = (string?)use.Attribute(XLink + "href") ?? throw new InvalidOperationException("use without xlink:href");
            var match = TransformPattern().Match((string?)use.Attribute("transform") ?? "");
            Assert.True(match.Success, $"unexpected glyph transform '{use.Attribute("transform")}'");
            double N(int group) => double.Parse(match.Groups[group].Value, NumberStyles.Float, CultureInfo.InvariantCulture);
            glyphs.Add(new PlacedGlyph(href[^1], N(1), N(2), N(3), N(4), (string)use.Attribute("fill")!));
        }
        return glyphs;
    }

    /// <summary>(value, y) of each y-axis tick in the first y axis (or the one inside <paramref name="root"/>).</summary>
    public static List<(double Value, double Y)> YTicks(this XContainer root)
    {
        var axis = root.ByClass("y-axis").First();
        var lines = axis.ByClass("y-tick").ToList();
        var labels = axis.ByClass("y-tick-label").ToList();
        Assert.Equal(lines.Count, labels.Count);
        return lines.Zip(labels, (line, label) => (double.Parse(label.Value, CultureInfo.InvariantCulture), line.Number("y1"))).ToList();
    }

    /// <summary>Maps a pixel y back to data units through the first and last y-axis ticks.</summary>
    public static Func<double, double> PixelToData(this XContainer root)
    {
        var ticks = root.YTicks();
        var (v0, y0) = ticks[0];
        var (v1, y1) = ticks[^1];
        return y => v0 + (y - y0) * (v1 - v0) / (y1 - y0);
    }

    public static void AssertClose(double expected, double actual, double relative = 1e-6, double absolute = 1e-9, string? what = null)
    {
        var tolerance = Math.Max(absolute, relative * Math.Abs(expected));
        Assert.True(Math.Abs(expected - actual) <= tolerance, $"{what ?? "value"}: expected {expected:R}, got {actual:R} (tolerance {tolerance:R})");
    }

    [GeneratedRegex(@"^translate\((-?[\d.]+) (-?[\d.]+)\) scale\((-?[\d.]+) (-?[\d.]+)\)$")]
    private static partial Regex TransformPattern();
}
