using System.Globalization;
using System.Xml.Linq;

namespace RbpPipeline.Visualization.Tests;

/// <summary>
/// The default logo: one letter per position, the observed base, as tall as the position's attributions summed
/// over channels. Heights are read back from the drawn SVG and compared with sums computed here.
/// </summary>
public class ProjectedAttributionLogoTests
{
    private const double PlotHeight = 200;

    /// <summary>
    /// The sample map, whose motif positions carry negative mass on the bases the sequence does not have (as
    /// integrated gradients does against a shuffled baseline), over the sample sequence with an N and a lowercase t.
    /// </summary>
    private static (float[] Map, string Sequence) Input()
    {
        var bases = Samples.Reference().ToCharArray();
        bases[3] = 'N';
        bases[10] = 't';
        return (Samples.Attribution(), new string(bases));
    }

    /// <summary>The oracle: Σ over the four channels at each position, in double.</summary>
    private static double[] Sums(float[] map)
    {
        var length = map.Length / 4;
        var sums = new double[length];
        for (var i = 0; i < length; i++)
            for (var c = 0; c < 4; c++) sums[i] += map[c * length + i];
        return sums;
    }

    /// <summary>Each drawn glyph with its 1-based position, read from its geometry against the x ticks.</summary>
    private static List<(int Position, PlacedGlyph Glyph, XElement Element)> Columns(XDocument doc, double pitch)
    {
        var firstTick = doc.ByClass("x-tick").First().Number("x1"); // centre of position 1
        var elements = doc.Descendants(SvgReader.Svg + "use").ToList();
        var glyphs = doc.Glyphs();
        return [.. glyphs.Select((g, k) => ((int)Math.Round((g.X + g.ScaleX / 2 - firstTick) / pitch) + 1, g, elements[k]))];
    }

    [Fact]
    public void Each_column_is_the_observed_base_as_tall_as_the_sum_over_channels()
    {
        var (map, sequence) = Input();
        var sums = Sums(map);
        var options = new AttributionLogoOptions { PlotHeight = PlotHeight };
        var doc = SvgReader.Parse(AttributionLogo.Render(map, sequence, "projected", options: options));

        var zeroY = doc.SingleByClass("zero-line").Number("y1");
        var toData = doc.PixelToData();
        var pixelsPerUnit = PlotHeight / (Math.Max(0, sums.Max()) - Math.Min(0, sums.Min()));
        var pitch = Math.Max(options.PixelsPerPosition, options.MinPlotWidth / Samples.Length);
        var columns = Columns(doc, pitch);

        // One letter per position, none at the N.
        Assert.Equal(Samples.Length - 1, columns.Count);
        Assert.Equal(columns.Count, columns.Select(c => c.Position).Distinct().Count());
        Assert.DoesNotContain(columns, c => c.Position == 4);
        foreach (var (position, glyph, element) in columns)
        {
            var i = position - 1;
            var expected = sums[i];
            var observed = char.ToUpperInvariant(sequence[i]) == 'T' ? 'U' : char.ToUpperInvariant(sequence[i]);
            Assert.Equal(observed, glyph.Letter);
            // Signed height in data units, from the drawn geometry and the y axis alone.
            var positive = Math.Abs(glyph.Bottom - zeroY) < 2e-3;
            var negative = Math.Abs(glyph.Y - zeroY) < 2e-3;
            Assert.True(positive ^ negative, $"the letter at position {position} does not stand on the zero line");
            var drawn = toData(glyph.Y) - toData(glyph.Bottom);
            SvgReader.AssertClose(expected, positive ? drawn : -drawn, 1e-5, 1e-4, $"column height at position {position}");
            SvgReader.AssertClose(Math.Abs(expected) * pixelsPerUnit, glyph.ScaleY, 1e-6, 1e-6, $"letter height (px) at position {position}");
            // The hover metadata names the same position, base and value.
            Assert.Equal(position.ToString(CultureInfo.InvariantCulture), (string?)element.Attribute("data-position"));
            Assert.Equal(observed.ToString(), (string?)element.Attribute("data-base"));
            SvgReader.AssertClose(expected, double.Parse((string)element.Attribute("data-value")!, CultureInfo.InvariantCulture), 1e-12, 1e-15);
            Assert.StartsWith($"position {position} {observed}: ", element.Element(SvgReader.Svg + "title")!.Value);
        }
        // The motif, where the other bases carry negative mass, is drawn as its own letters, standing up.
        var motif = columns.Where(c => c.Position > Samples.MotifStart && c.Position <= Samples.MotifStart + Samples.Motif.Length)
            .OrderBy(c => c.Position).ToList();
        Assert.Equal(Samples.Motif, new string([.. motif.Select(c => c.Glyph.Letter)]));
        Assert.All(motif, c => Assert.True(c.Glyph.Bottom <= zeroY + 2e-3));
    }

    [Fact]
    public void Letter_values_are_the_sums_in_the_observed_channel()
    {
        var (map, sequence) = Input();
        var sums = Sums(map);
        var values = AttributionLogo.LetterValues(map, sequence);
        var length = Samples.Length;
        for (var i = 0; i < length; i++)
        {
            var channel = "ACGU".IndexOf(char.ToUpperInvariant(sequence[i]) == 'T' ? 'U' : char.ToUpperInvariant(sequence[i]));
            for (var c = 0; c < 4; c++)
                SvgReader.AssertClose(c == channel ? sums[i] : 0, values[c * length + i], 1e-12, 1e-15, $"channel {c} at index {i}");
        }
        Assert.Equal(map.Select(v => (double)v), AttributionLogo.LetterValues(map, null, AttributionLogoMode.PerChannel));
    }

    [Fact]
    public void Per_channel_mode_stacks_every_channel_and_keeps_its_value()
    {
        var (map, sequence) = Input();
        var options = new AttributionLogoOptions { Mode = AttributionLogoMode.PerChannel };
        var doc = SvgReader.Parse(AttributionLogo.Render(map, sequence, options: options));
        var zeroY = doc.SingleByClass("zero-line").Number("y1");
        var pitch = Math.Max(options.PixelsPerPosition, options.MinPlotWidth / Samples.Length);
        var columns = Columns(doc, pitch);

        Assert.Equal(4 * Samples.Length, columns.Count); // the sample has no exact zero, and the N is drawn too
        foreach (var group in columns.GroupBy(c => c.Position))
        {
            Assert.Equal("ACGU", new string([.. group.Select(c => c.Glyph.Letter).Order()]));
            foreach (var (position, glyph, element) in group)
                Assert.Equal(map["ACGU".IndexOf(glyph.Letter) * Samples.Length + position - 1],
                    float.Parse((string)element.Attribute("data-value")!, CultureInfo.InvariantCulture));
        }
        // In the motif the observed base stands up while the other three hang below the line.
        var first = columns.Where(c => c.Position == Samples.MotifStart + 1).ToList();
        Assert.Single(first, c => c.Glyph.Bottom <= zeroY + 2e-3);
        Assert.Equal(3, first.Count(c => c.Glyph.Y >= zeroY - 2e-3));
        Assert.Contains("(observed U) A: ", first.Single(c => c.Glyph.Letter == 'A').Element.Element(SvgReader.Svg + "title")!.Value);
    }

    [Fact]
    public void Tooltips_can_be_left_out_and_data_attributes_stay()
    {
        var (map, sequence) = Input();
        var doc = SvgReader.Parse(AttributionLogo.Render(map, sequence, options: new() { Tooltips = false }));
        var uses = doc.Descendants(SvgReader.Svg + "use").ToList();
        Assert.NotEmpty(uses);
        Assert.All(uses, u => Assert.Empty(u.Elements()));
        Assert.All(uses, u => Assert.NotNull(u.Attribute("data-value")));
    }

    [Fact]
    public void A_projected_logo_needs_a_sequence_that_matches_the_map()
    {
        var (map, sequence) = Input();
        var e = Assert.Throws<ArgumentException>(() => AttributionLogo.Render(map, null));
        Assert.Equal("sequence", e.ParamName);
        Assert.Contains("PerChannel", e.Message);
        e = Assert.Throws<ArgumentException>(() => AttributionLogo.Render(map, sequence[..^1]));
        Assert.Contains($"{Samples.Length - 1} bases", e.Message);
        Assert.Contains($"{Samples.Length} positions", e.Message);
        e = Assert.Throws<ArgumentException>(() => AttributionLogo.Render(map, "AX" + sequence[2..]));
        Assert.Contains("'X' at position 2 (1-based", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => AttributionLogo.Render(map, sequence, options: new() { Mode = (AttributionLogoMode)7 }));
    }
}
