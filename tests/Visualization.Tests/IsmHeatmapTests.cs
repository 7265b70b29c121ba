using System.Globalization;
using System.Xml.Linq;

namespace RbpPipeline.Visualization.Tests;

public class IsmHeatmapTests
{
    /// <summary>Cells keyed by (row, position), recovered from their geometry rather than their order in the file.</summary>
    private static Dictionary<(int Row, int Position), XElement> Cells(XDocument doc)
    {
        var cells = doc.ByClass("cell").ToList();
        var xs = cells.Select(c => c.Number("x")).Distinct().Order().ToList();
        var ys = cells.Select(c => c.Number("y")).Distinct().Order().ToList();
        Assert.Equal(4, ys.Count);
        return cells.ToDictionary(c => (ys.IndexOf(c.Number("y")), xs.IndexOf(c.Number("x"))));
    }

    private static string Fill(XElement e) => ((string)e.Attribute("fill")!).ToLowerInvariant();

    /// <summary>Linear sRGB mix of two #rrggbb colours, computed here independently of the library.</summary>
    private static string Mix(string from, string to, double t)
    {
        int Channel(string hex, int k) => int.Parse(hex.AsSpan(1 + 2 * k, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        return "#" + string.Concat(Enumerable.Range(0, 3).Select(k =>
            ((int)Math.Round(Channel(from, k) + (Channel(to, k) - Channel(from, k)) * t, MidpointRounding.AwayFromZero)).ToString("x2", CultureInfo.InvariantCulture)));
    }

    [Fact]
    public void The_largest_delta_gets_the_positive_end_colour_and_the_scale_is_symmetric()
    {
        // L = 3, reference "ACG": deltas 0 at the reference cells.
        float[] deltas =
        [
            0f, 0.2f, -0.4f,
            0.8f, 0f, 0.1f,
            -0.2f, 0.4f, 0f,
            0.05f, -0.8f, 0.3f,
        ];
        var options = IsmHeatmapOptions.Default;
        var doc = SvgReader.Parse(IsmHeatmap.Render(deltas, "ACG"));
        var cells = Cells(doc);
        Assert.Equal(12, cells.Count);
        Assert.Equal(options.PositiveColor, Fill(cells[(1, 0)]));  // C at position 0: +0.8, the maximum
        Assert.Equal(options.NegativeColor, Fill(cells[(3, 1)]));  // U at position 1: −0.8, symmetric limit
        Assert.Equal(options.ZeroColor, Fill(cells[(0, 0)]));      // the reference cell
        Assert.Equal(Mix(options.ZeroColor, options.NegativeColor, 0.5), Fill(cells[(0, 2)])); // −0.4 = half way
        Assert.Equal(Mix(options.ZeroColor, options.PositiveColor, 0.5), Fill(cells[(2, 1)])); // +0.4

        // The colour bar runs over the same colours and names the limit at both ends.
        var stops = doc.Descendants(SvgReader.Svg + "stop").Select(s => ((string)s.Attribute("stop-color")!).ToLowerInvariant()).ToList();
        Assert.Equal([options.NegativeColor, options.ZeroColor, options.PositiveColor], stops);
        Assert.Equal("-0.8", doc.SingleByClass("color-bar-min").Value);
        Assert.Equal("+0.8", doc.SingleByClass("color-bar-max").Value);
    }

    [Fact]
    public void A_fixed_colour_limit_saturates_larger_deltas()
    {
        float[] deltas = [0f, 0.5f, 2f, 0f, 0f, 0f, 0f, 0f];
        var doc = SvgReader.Parse(IsmHeatmap.Render(deltas, "AA", options: new() { ColorLimit = 1 }));
        var cells = Cells(doc);
        Assert.Equal(Mix("#ffffff", "#b2182b", 0.5), Fill(cells[(0, 1)]));
        Assert.Equal("#b2182b", Fill(cells[(1, 0)]));
        Assert.Equal("+1", doc.SingleByClass("color-bar-max").Value);
    }

    [Fact]
    public void The_reference_base_of_every_position_is_marked_in_its_row()
    {
        var reference = Samples.Reference();
        var (deltas, _) = Samples.Ism(reference);
        var withN = "N" + reference[1..5] + "r" + reference[6..];
        var doc = SvgReader.Parse(IsmHeatmap.Render(deltas, withN));
        var cells = Cells(doc);
        var markers = doc.ByClass("ref-marker").ToList();
        Assert.Equal(Samples.Length - 2, markers.Count); // none for the N and the R
        var byPosition = cells.Values.Select(c => c.Number("x")).Distinct().Order().ToList();
        foreach (var marker in markers)
        {
            var cx = marker.Number("cx");
            var cy = marker.Number("cy");
            var (row, position) = cells.Single(kv =>
                cx > kv.Value.Number("x") && cx < kv.Value.Number("x") + kv.Value.Number("width")
                && cy > kv.Value.Number("y") && cy < kv.Value.Number("y") + kv.Value.Number("height")).Key;
            Assert.Equal("ACGU".IndexOf(withN[position]), row);
            Assert.NotEqual(0, position);
            Assert.NotEqual(5, position);
            Assert.Equal(0f, deltas[row * Samples.Length + position]);
        }
        Assert.Equal(["A", "C", "G", "U"], doc.ByClass("row-label").Select(e => e.Value));
    }

    [Fact]
    public void The_norm_logo_shows_the_reference_letter_as_tall_as_the_norm()
    {
        var reference = Samples.Reference();
        var (deltas, norms) = Samples.Ism(reference);
        var doc = SvgReader.Parse(IsmHeatmap.Render(deltas, reference, norms, "ISM"));
        var glyphs = doc.Glyphs().OrderBy(g => g.X).ToList();
        Assert.Equal(Samples.Length, glyphs.Count);
        Assert.Equal(reference, new string(glyphs.Select(g => g.Letter).ToArray()));
        // Heights proportional to the norms, the tallest spanning the panel's y axis exactly.
        var tallest = norms.Max();
        var pixelsPerUnit = IsmHeatmapOptions.Default.NormLogoHeight / tallest;
        for (var i = 0; i < Samples.Length; i++)
            SvgReader.AssertClose(norms[i] * pixelsPerUnit, glyphs[i].ScaleY, 1e-6, what: $"norm letter {i}");
        var baseline = doc.SingleByClass("norm-baseline").Number("y1");
        Assert.All(glyphs, g => SvgReader.AssertClose(baseline, g.Bottom, 0, 2e-3));
        Assert.Equal("L2 norm", doc.ByClass("y-axis").First().ByClass("axis-label").Single().Value);
    }

    [Fact]
    public void Cells_and_norm_letters_carry_position_base_and_value_for_hover()
    {
        var reference = Samples.Reference();
        var (deltas, norms) = Samples.Ism(reference);
        var doc = SvgReader.Parse(IsmHeatmap.Render(deltas, reference, norms));
        var cells = doc.ByClass("cell").ToList();
        Assert.Equal(4 * Samples.Length, cells.Count);
        foreach (var cell in cells)
        {
            var index = int.Parse((string)cell.Attribute("data-position")!, System.Globalization.CultureInfo.InvariantCulture) - 1;
            var alternative = ((string)cell.Attribute("data-base")!)[0];
            var delta = deltas["ACGU".IndexOf(alternative) * Samples.Length + index];
            Assert.Equal(delta, float.Parse((string)cell.Attribute("data-value")!, System.Globalization.CultureInfo.InvariantCulture));
            Assert.StartsWith($"position {index + 1} {reference[index]}>{alternative}: ", cell.Element(SvgReader.Svg + "title")!.Value);
        }
        foreach (var letter in doc.Descendants(SvgReader.Svg + "use"))
        {
            var index = int.Parse((string)letter.Attribute("data-position")!, System.Globalization.CultureInfo.InvariantCulture) - 1;
            Assert.Equal(reference[index].ToString(), (string?)letter.Attribute("data-base"));
            Assert.Equal(norms[index], float.Parse((string)letter.Attribute("data-value")!, System.Globalization.CultureInfo.InvariantCulture));
        }
        var plain = SvgReader.Parse(IsmHeatmap.Render(deltas, reference, norms, options: new() { Tooltips = false }));
        Assert.DoesNotContain(plain.Descendants(SvgReader.Svg + "title"), t => t.Parent!.Name.LocalName is "rect" or "use");
    }

    [Fact]
    public void T_in_the_reference_is_drawn_as_U_and_case_is_ignored()
    {
        float[] deltas = [0.1f, 0f, 0.3f, 0f, 0f, 0f, 0f, 0f];
        var upper = SvgReader.Parse(IsmHeatmap.Render(deltas, "CU", [1f, 2f]));
        var lower = SvgReader.Parse(IsmHeatmap.Render(deltas, "ct", [1f, 2f]));
        Assert.Equal(upper.ToString(), lower.ToString());
        Assert.Equal("CU", new string(upper.Glyphs().OrderBy(g => g.X).Select(g => g.Letter).ToArray()));
    }

    [Fact]
    public void All_zero_deltas_are_white()
    {
        var doc = SvgReader.Parse(IsmHeatmap.Render(new float[40], "ACGUACGUAC", new float[10]));
        Assert.All(doc.ByClass("cell"), c => Assert.Equal("#ffffff", Fill(c)));
        Assert.Empty(doc.Glyphs());
    }

    [Fact]
    public void Invalid_input_is_rejected_naming_the_position()
    {
        var reference = Samples.Reference();
        var (deltas, norms) = Samples.Ism(reference);
        var bad = (float[])deltas.Clone();
        bad[1 * Samples.Length + 9] = float.NaN;
        var e = Assert.Throws<ArgumentException>(() => IsmHeatmap.Render(bad, reference));
        Assert.Contains("position 10 (1-based", e.Message);
        Assert.Contains("channel C", e.Message);

        e = Assert.Throws<ArgumentException>(() => IsmHeatmap.Render(deltas, reference[..^1]));
        Assert.Equal("referenceSequence", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => IsmHeatmap.Render(deltas, "X" + reference[1..]));
        Assert.Contains("'X' at position 1 (1-based", e.Message);
        var negative = (float[])norms.Clone();
        negative[4] = -1;
        e = Assert.Throws<ArgumentException>(() => IsmHeatmap.Render(deltas, reference, negative));
        Assert.Contains("position 5 (1-based", e.Message);
        e = Assert.Throws<ArgumentException>(() => IsmHeatmap.Render(deltas, reference, norms[..5]));
        Assert.Equal("positionNorms", e.ParamName);
        Assert.Throws<ArgumentException>(() => IsmHeatmap.Render(deltas, reference, options: new() { PositiveColor = "red" }));
    }
}
