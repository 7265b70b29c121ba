using System.Globalization;
using System.Xml.Linq;

namespace RbpPipeline.Visualization.Tests;

/// <summary>Properties every picture shares: a valid standalone SVG 1.1 root, escaped text, invariant numbers, determinism.</summary>
public class SvgOutputTests
{
    public static TheoryData<string> Pictures => ["attribution", "attribution-per-channel", "ism", "motif", "box"];

    internal static string Draw(string picture, string? title = "example") => picture switch
    {
        "attribution" => AttributionLogo.Render(Samples.Attribution(), Samples.Reference(), title),
        "attribution-per-channel" => AttributionLogo.Render(Samples.Attribution(), Samples.Reference(), title,
            options: new() { Mode = AttributionLogoMode.PerChannel }),
        "ism" => DrawIsm(title),
        "motif" => MotifLogo.Render(Samples.MotifPpm(), title),
        "box" => BoxPlot.Render(Samples.GiaGroups(), title),
        _ => throw new ArgumentOutOfRangeException(nameof(picture)),
    };

    private static string DrawIsm(string? title)
    {
        var reference = Samples.Reference();
        var (deltas, norms) = Samples.Ism(reference);
        return IsmHeatmap.Render(deltas, reference, norms, title);
    }

    [Theory]
    [MemberData(nameof(Pictures))]
    public void The_root_is_a_standalone_svg_1_1_element(string picture)
    {
        var doc = SvgReader.Parse(Draw(picture));
        var root = doc.Root!;
        Assert.Equal(SvgReader.Svg + "svg", root.Name);
        Assert.Equal("1.1", (string?)root.Attribute("version"));
        var width = root.Number("width");
        var height = root.Number("height");
        Assert.True(width > 0 && height > 0);
        Assert.Equal(width, Math.Round(width)); // whole pixels: a 1:1 PNG has the same size
        Assert.Equal($"0 0 {width.ToString(CultureInfo.InvariantCulture)} {height.ToString(CultureInfo.InvariantCulture)}", (string?)root.Attribute("viewBox"));
        Assert.Equal("example", root.Element(SvgReader.Svg + "title")?.Value);
    }

    [Theory]
    [MemberData(nameof(Pictures))]
    public void Text_is_xml_escaped(string picture)
    {
        const string nasty = "a <b> & \"c\" 'd' é \u0001 😀";
        var svg = Draw(picture, nasty);
        Assert.Contains("&lt;b&gt; &amp; &quot;c&quot;", svg);
        Assert.All(svg, ch => Assert.True(ch is '\n' || (ch >= 0x20 && ch <= 0x7E), $"non-ASCII or control character U+{(int)ch:X4} in output"));
        var doc = SvgReader.Parse(svg);
        var expected = nasty.Replace('\u0001', '\uFFFD');
        Assert.Equal(expected, doc.Root!.Element(SvgReader.Svg + "title")!.Value);
        Assert.Equal(expected, doc.SingleByClass("title").Value);
    }

    [Fact]
    public void Group_labels_and_position_labels_are_escaped_too()
    {
        var box = SvgReader.Parse(BoxPlot.Render([new BoxPlotGroup("<&>", [1, 2])]));
        Assert.Equal("<&>", box.SingleByClass("x-tick-label").Value);
        var logo = SvgReader.Parse(AttributionLogo.Render([1f, 0f, 0f, 0f], "A", positionLabels: ["x<&>"]));
        Assert.Equal("x<&>", logo.SingleByClass("x-tick-label").Value);
        var glyph = logo.SingleByClass("glyph");
        Assert.Equal("x<&>", (string?)glyph.Attribute("data-label"));
        Assert.StartsWith("x<&> A: 1", glyph.Element(SvgReader.Svg + "title")!.Value);
    }

    [Theory]
    [MemberData(nameof(Pictures))]
    public void Output_is_deterministic_and_culture_independent(string picture)
    {
        var first = Draw(picture);
        var previous = CultureInfo.CurrentCulture;
        try
        {
            // A culture writing decimal commas must not leak into coordinates.
            var comma = (CultureInfo)CultureInfo.InvariantCulture.Clone();
            comma.NumberFormat.NumberDecimalSeparator = ",";
            comma.NumberFormat.NegativeSign = "~";
            CultureInfo.CurrentCulture = comma;
            Assert.Equal(first, Draw(picture));
        }
        finally
        {
            CultureInfo.CurrentCulture = previous;
        }
        Assert.Equal(first, Draw(picture));
    }

    [Theory]
    [MemberData(nameof(Pictures))]
    public void Numbers_are_short(string picture)
    {
        var doc = SvgReader.Parse(Draw(picture));
        string[] coordinates = ["x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "width", "height"];
        foreach (var attribute in doc.Descendants().SelectMany(e => e.Attributes()).Where(a => coordinates.Contains(a.Name.LocalName)))
        {
            var text = attribute.Value;
            var dot = text.IndexOf('.');
            Assert.True(dot < 0 || text.Length - dot - 1 <= 3, $"{attribute.Name}=\"{text}\" has more than 3 decimals");
            Assert.DoesNotContain("E", text, StringComparison.OrdinalIgnoreCase);
            Assert.NotEqual("-0", text);
        }
    }

    [Fact]
    public void The_document_builder_checks_its_own_structure()
    {
        var doc = new SvgDocument(10, 10);
        Assert.Throws<InvalidOperationException>(() => doc.Use("missing", 0, 0, 1, 1, "#000000"));
        doc.BeginGroup();
        Assert.Throws<InvalidOperationException>(() => doc.ToString());
        doc.EndGroup();
        Assert.Throws<InvalidOperationException>(() => doc.EndGroup());
        doc.DefinePath("p", "M0 0H1V1Z");
        Assert.Throws<InvalidOperationException>(() => doc.DefinePath("p", "M0 0H1V1Z"));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SvgDocument(0, 10));
        Assert.Equal("&lt;x&gt;&amp;&#xE9;", SvgDocument.Escape("<x>&é"));
    }

    [Fact]
    public void Glyphs_exist_for_the_RNA_alphabet_and_T_is_drawn_as_U()
    {
        foreach (var letter in "ACGU")
        {
            var data = LetterGlyphs.PathData(letter);
            // Every coordinate of an outline stays inside the unit box, so scaling by (w, h) gives a w × h letter.
            var numbers = data.Split(['M', 'L', 'H', 'V', 'A', 'Z', ' '], StringSplitOptions.RemoveEmptyEntries)
                .Select(t => double.Parse(t, CultureInfo.InvariantCulture));
            Assert.All(numbers, v => Assert.InRange(v, 0, 1));
        }
        Assert.Equal(LetterGlyphs.PathData('U'), LetterGlyphs.PathData('t'));
        Assert.Throws<ArgumentOutOfRangeException>(() => LetterGlyphs.PathData('N'));
    }
}
