using System.Xml.Linq;

namespace RbpPipeline.Visualization.Tests;

public class AttributionLogoTests
{
    private const double PixelsPerPosition = 20;

    // Position 0: A +0.5, C +0.2, G −0.1, U −0.4; position 1: A −0.3, C +0.7 (G, U zero);
    // position 2: A = C = +0.25 (a tie), G −0.05; position 3: U +0.125.
    private static readonly float[] Known =
    [
        0.5f, -0.3f, 0.25f, 0f,
        0.2f, 0.7f, 0.25f, 0f,
        -0.1f, 0f, -0.05f, 0f,
        -0.4f, 0f, 0f, 0.125f,
    ];

    private static float Value(float[] map, int length, int position, char letter) => map["ACGU".IndexOf(letter) * length + position];

    private static readonly AttributionLogoOptions PerChannel = new() { Mode = AttributionLogoMode.PerChannel };

    private static AttributionLogoOptions Options(double plotHeight = 200) =>
        new() { PixelsPerPosition = PixelsPerPosition, MinPlotWidth = 10, PlotHeight = plotHeight, Mode = AttributionLogoMode.PerChannel };

    /// <summary>Glyphs grouped by position: column i starts PixelsPerPosition·i to the right of column 0.</summary>
    private static Dictionary<(int Position, char Letter), PlacedGlyph> ByPosition(List<PlacedGlyph> glyphs)
    {
        var x0 = glyphs.Min(g => g.X);
        return glyphs.ToDictionary(g => ((int)Math.Round((g.X - x0) / PixelsPerPosition), g.Letter));
    }

    [Fact]
    public void Letter_height_is_value_times_pixels_per_unit()
    {
        var doc = SvgReader.Parse(AttributionLogo.Render(Known, null, options: Options(200)));
        // Independently: the y axis spans the tallest positive stack (0.7) to the deepest negative one (−0.5).
        var pixelsPerUnit = 200 / (0.7 - -0.5);
        var glyphs = ByPosition(doc.Glyphs());
        var nonZero = 0;
        for (var i = 0; i < 4; i++)
            foreach (var letter in "ACGU")
            {
                var value = Value(Known, 4, i, letter);
                if (value == 0)
                {
                    Assert.False(glyphs.ContainsKey((i, letter)), $"no glyph expected for the zero at {letter}{i}");
                    continue;
                }
                nonZero++;
                SvgReader.AssertClose(Math.Abs(value) * pixelsPerUnit, glyphs[(i, letter)].ScaleY, 1e-6, what: $"height of {letter} at {i}");
                SvgReader.AssertClose(PixelsPerPosition * AttributionLogoOptions.Default.LetterWidthFraction, glyphs[(i, letter)].ScaleX, 1e-6);
            }
        Assert.Equal(nonZero, glyphs.Count);
    }

    [Fact]
    public void A_fixed_y_range_sets_the_scale_and_clips()
    {
        var options = Options(300) with { YMin = -1, YMax = 2 };
        var doc = SvgReader.Parse(AttributionLogo.Render(Known, null, options: options));
        var glyphs = ByPosition(doc.Glyphs());
        SvgReader.AssertClose(0.7 * 100, glyphs[(1, 'C')].ScaleY, 1e-6);
        SvgReader.AssertClose(0.125 * 100, glyphs[(3, 'U')].ScaleY, 1e-6);
        var clip = Assert.Single(doc.Descendants(SvgReader.Svg + "clipPath"));
        Assert.Equal($"url(#{(string?)clip.Attribute("id")})", (string?)doc.SingleByClass("letters").Attribute("clip-path"));
    }

    [Fact]
    public void Positive_letters_lie_above_the_zero_line_and_negative_ones_below()
    {
        var map = Samples.Attribution();
        var doc = SvgReader.Parse(AttributionLogo.Render(map, null, options: PerChannel));
        var zeroLine = doc.SingleByClass("zero-line");
        var axisY = zeroLine.Number("y1");
        Assert.Equal(axisY, zeroLine.Number("y2"));
        var glyphs = doc.Glyphs();
        var x0 = glyphs.Min(g => g.X);
        var pitch = Math.Max(AttributionLogoOptions.Default.PixelsPerPosition, AttributionLogoOptions.Default.MinPlotWidth / Samples.Length);
        Assert.Equal(4 * Samples.Length, glyphs.Count); // the noise leaves no exact zero
        foreach (var glyph in glyphs)
        {
            var position = (int)Math.Round((glyph.X - x0) / pitch);
            var value = Value(map, Samples.Length, position, glyph.Letter);
            if (value > 0) Assert.True(glyph.Bottom <= axisY + 2e-3, $"{glyph.Letter}{position} (+{value}) reaches below the axis");
            else Assert.True(glyph.Y >= axisY - 2e-3, $"{glyph.Letter}{position} ({value}) reaches above the axis");
        }
    }

    [Fact]
    public void Letters_stack_with_the_largest_magnitude_farthest_from_the_axis()
    {
        var doc = SvgReader.Parse(AttributionLogo.Render(Known, null, options: Options()));
        var axisY = doc.SingleByClass("zero-line").Number("y1");
        var g = ByPosition(doc.Glyphs());
        const double tolerance = 2e-3;
        // Position 0 upward: C (0.2) on the axis, A (0.5) on top of C.
        SvgReader.AssertClose(axisY, g[(0, 'C')].Bottom, 0, tolerance);
        SvgReader.AssertClose(g[(0, 'C')].Y, g[(0, 'A')].Bottom, 0, tolerance);
        // Position 0 downward: G (−0.1) hangs from the axis, U (−0.4) below G.
        SvgReader.AssertClose(axisY, g[(0, 'G')].Y, 0, tolerance);
        SvgReader.AssertClose(g[(0, 'G')].Bottom, g[(0, 'U')].Y, 0, tolerance);
        // Position 2: the A = C tie keeps channel order (A nearer the axis).
        SvgReader.AssertClose(axisY, g[(2, 'A')].Bottom, 0, tolerance);
        SvgReader.AssertClose(g[(2, 'A')].Y, g[(2, 'C')].Bottom, 0, tolerance);
    }

    [Fact]
    public void Y_ticks_are_in_attribution_units_on_the_same_scale_as_the_letters()
    {
        var doc = SvgReader.Parse(AttributionLogo.Render(Known, null, options: Options(200)));
        var axisY = doc.SingleByClass("zero-line").Number("y1");
        var pixelsPerUnit = 200 / 1.2;
        var ticks = doc.YTicks();
        Assert.True(ticks.Count >= 3);
        Assert.Contains(ticks, t => t.Value == 0);
        foreach (var (value, y) in ticks)
        {
            Assert.InRange(value, -0.5 - 1e-9, 0.7 + 1e-9);
            SvgReader.AssertClose(axisY - value * pixelsPerUnit, y, 0, 2e-3, $"tick {value}");
        }
        Assert.Equal("attribution", doc.ByClass("axis-label").First().Value);
    }

    [Fact]
    public void X_ticks_are_one_based_every_10_positions()
    {
        var doc = SvgReader.Parse(AttributionLogo.Render(Samples.Attribution(), null, options: PerChannel));
        var labels = doc.ByClass("x-tick-label").Select(e => e.Value).ToList();
        Assert.Equal(["1", "10", "20", "30", "40", "50", "60", "70", "80", "90", "100"], labels);
        // The tick of position p sits at the centre of column p.
        var glyphX = doc.Glyphs().Min(g => g.X);
        var pitch = AttributionLogoOptions.Default.PixelsPerPosition;
        var firstColumnLeft = glyphX - pitch * (1 - AttributionLogoOptions.Default.LetterWidthFraction) / 2;
        var ticks = doc.ByClass("x-tick").Select(e => e.Number("x1")).ToList();
        SvgReader.AssertClose(firstColumnLeft + 0.5 * pitch, ticks[0], 0, 2e-3);
        SvgReader.AssertClose(firstColumnLeft + 9.5 * pitch, ticks[1], 0, 2e-3);
    }

    [Fact]
    public void Position_labels_replace_numbers_and_ticks_thin_out_when_crowded()
    {
        var labels = Enumerable.Range(0, 4).Select(i => $"chr1:{1000 + i}").ToList();
        var small = new float[16];
        small[0] = 1;
        var doc = SvgReader.Parse(AttributionLogo.Render(small, null, positionLabels: labels, options: PerChannel with { TickEvery = 1, MinPlotWidth = 400 }));
        Assert.Equal(labels, doc.ByClass("x-tick-label").Select(e => e.Value));

        // 2000 positions at 2 px each: ticks every 10 would put 4-digit labels 20 px apart.
        var crowded = new float[4 * 2000];
        crowded[5] = 1;
        doc = SvgReader.Parse(AttributionLogo.Render(crowded, null, options: PerChannel with { PixelsPerPosition = 2 }));
        var xs = doc.ByClass("x-tick").Select(e => e.Number("x1")).ToList();
        var texts = doc.ByClass("x-tick-label").Select(e => e.Value).ToList();
        Assert.True(xs.Count >= 5, "some ticks remain");
        for (var k = 1; k < xs.Count; k++)
        {
            // Even at a generous 0.5 em per digit neighbouring labels must not touch.
            var needed = (texts[k - 1].Length + texts[k].Length) / 2.0 * 0.5 * PlotStyle.Default.FontSize;
            Assert.True(xs[k] - xs[k - 1] > needed, $"labels {texts[k - 1]} and {texts[k]} overlap");
            Assert.Equal(0, int.Parse(texts[k]) % 10);
        }
    }

    [Theory]
    [InlineData(5, new[] { "1", "2", "3", "4", "5" })]
    [InlineData(25, new[] { "1", "5", "10", "15", "20", "25" })]
    [InlineData(30, new[] { "1", "10", "20", "30" })]
    public void Short_sequences_get_finer_ticks(int length, string[] expected)
    {
        var map = new float[4 * length];
        map[0] = 1;
        var doc = SvgReader.Parse(AttributionLogo.Render(map, null, options: PerChannel));
        Assert.Equal(expected, doc.ByClass("x-tick-label").Select(e => e.Value));
    }

    [Fact]
    public void Tiny_attributions_get_scientific_tick_labels()
    {
        var map = new float[8];
        map[0] = 3e-9f;
        map[3] = -1e-9f;
        var labels = SvgReader.Parse(AttributionLogo.Render(map, null, options: PerChannel)).ByClass("y-tick-label").Select(e => e.Value).ToList();
        Assert.Contains("0", labels);
        Assert.Contains("2E-9", labels);
        Assert.All(labels, l => Assert.True(l.Length <= 6, $"tick label '{l}' is long"));
    }

    [Fact]
    public void An_all_zero_map_draws_axes_and_no_letters()
    {
        var svg = AttributionLogo.Render(new float[4 * 30], new string('A', 30), "nothing here");
        var doc = SvgReader.Parse(svg);
        Assert.Empty(doc.Glyphs());
        Assert.NotEmpty(doc.YTicks());
        Assert.Single(doc.ByClass("zero-line"));
        Assert.Equal(4, doc.ByClass("x-tick").Count()); // 1, 10, 20, 30
        Assert.DoesNotContain("NaN", svg);
        Assert.DoesNotContain("Infinity", svg);
    }

    [Theory]
    [InlineData(float.NaN, "NaN")]
    [InlineData(float.PositiveInfinity, "+Infinity")]
    [InlineData(float.NegativeInfinity, "-Infinity")]
    public void Non_finite_values_are_rejected_naming_position_and_channel(float bad, string described)
    {
        var map = Samples.Attribution();
        map[2 * Samples.Length + 57] = bad; // channel G, index 57
        var e = Assert.Throws<ArgumentException>(() => AttributionLogo.Render(map, null, options: PerChannel));
        Assert.Contains("position 58 (1-based; index 57)", e.Message);
        Assert.Contains("channel G", e.Message);
        Assert.Contains(described, e.Message);
        Assert.Equal("attribution", e.ParamName);
    }

    [Fact]
    public void Wrong_shapes_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => AttributionLogo.Render([], ""));
        Assert.Throws<ArgumentException>(() => AttributionLogo.Render(new float[10], null, options: PerChannel));
        Assert.Throws<ArgumentException>(() => AttributionLogo.Render(new float[8], "AC", positionLabels: ["1"]));
        Assert.Throws<ArgumentException>(() => AttributionLogo.Render(new float[8], "AC", options: new() { YMin = 1, YMax = 1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => AttributionLogo.Render(new float[8], "AC", options: new() { PixelsPerPosition = 0 }));
    }

    [Fact]
    public void Output_grows_linearly_with_length()
    {
        static int Size(int length)
        {
            var rng = new Random(1);
            var map = new float[4 * length];
            for (var i = 0; i < map.Length; i++) map[i] = (float)(rng.NextDouble() - 0.5);
            return AttributionLogo.Render(map, null, options: PerChannel).Length;
        }
        var small = Size(500);
        var large = Size(4000);
        var ratio = (double)large / small;
        Assert.InRange(ratio, 6.5, 8.5); // 8× the positions; fixed parts make it a little under 8
        // Bytes per position: four <use> elements, each with its data- attributes and hover title.
        Assert.InRange(large / 4000.0, 100, 1200);
    }

    [Fact]
    public void The_same_input_gives_the_same_bytes()
    {
        var a = AttributionLogo.Render(Samples.Attribution(), Samples.Reference(), "t", options: Options());
        var b = AttributionLogo.Render(Samples.Attribution(), Samples.Reference(), "t", options: Options());
        Assert.Equal(a, b);
        var builder = new StringWriter();
        AttributionLogo.Build(Samples.Attribution(), Samples.Reference(), "t", options: Options()).WriteTo(builder);
        Assert.Equal(a, builder.ToString());
    }

    [Fact]
    public void Every_glyph_reference_points_at_a_definition()
    {
        var doc = SvgReader.Parse(AttributionLogo.Render(Samples.Attribution(), null, options: PerChannel));
        var ids = doc.Descendants().Select(e => (string?)e.Attribute("id")).OfType<string>().ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        foreach (var use in doc.Descendants(SvgReader.Svg + "use"))
            Assert.Contains(((string)use.Attribute(SvgReader.XLink + "href")!)[1..], ids);
        var colors = NucleotideColors.Classic;
        foreach (var g in doc.Glyphs())
            Assert.Equal(g.Letter switch { 'A' => colors.A, 'C' => colors.C, 'G' => colors.G, _ => colors.U }, g.Fill);
    }
}
