using System.Globalization;
using System.Text.Json;
using System.Xml.Linq;

namespace RbpPipeline.Visualization.Tests;

public class BoxPlotTests
{
    /// <summary>numpy's default quantile written out independently: h = (n − 1)q, interpolate between neighbours.</summary>
    private static double SortedQuantile(double[] sorted, double q)
    {
        var h = (sorted.Length - 1) * q;
        var lo = (int)Math.Floor(h);
        var hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
    }

    [Fact]
    public void Quartiles_of_small_samples_have_their_textbook_values()
    {
        var s = BoxStatistics.Compute([4, 1, 3, 2]);
        Assert.Equal(1.75, s.Q1, 12);
        Assert.Equal(2.5, s.Median, 12);
        Assert.Equal(3.25, s.Q3, 12);
        Assert.Equal(2.5, s.Mean, 12);
        Assert.Empty(s.Outliers);
        Assert.Equal(1, s.LowerWhisker);
        Assert.Equal(4, s.UpperWhisker);

        var single = BoxStatistics.Compute([7]);
        Assert.Equal((7.0, 7.0, 7.0, 7.0, 7.0), (single.Q1, single.Median, single.Q3, single.LowerWhisker, single.UpperWhisker));

        // 100 is beyond Q3 + 1.5 IQR: an outlier, and the upper whisker stops at the largest value inside.
        var withOutlier = BoxStatistics.Compute([1, 2, 3, 4, 5, 6, 100]);
        Assert.Equal([100.0], withOutlier.Outliers);
        Assert.Equal(6, withOutlier.UpperWhisker);
        var sorted = new double[] { 1, 2, 3, 4, 5, 6, 100 };
        Assert.Equal(SortedQuantile(sorted, 0.25), withOutlier.Q1, 12);
        Assert.Equal(SortedQuantile(sorted, 0.75), withOutlier.Q3, 12);
    }

    [Fact]
    public async Task Statistics_match_numpy()
    {
        if (!File.Exists(PythonOracle.Interpreter)) Assert.Skip($"{PythonOracle.Interpreter} is not installed");
        var rng = new Random(23);
        var samples = new[] { 1, 2, 3, 4, 5, 8, 13, 50, 101, 1000 }
            .Select(n => Enumerable.Range(0, n).Select(_ => Math.Round(Samples.Gaussian(rng) * 2 + (rng.Next(20) == 0 ? 15 : 0), 3)).ToArray())
            .ToList();
        const string script = """
            import json, sys
            try:
                import numpy as np
            except ImportError:
                print("NO_NUMPY"); sys.exit(0)
            out = []
            for xs in json.load(sys.stdin):
                x = np.asarray(xs, dtype=float)
                q1, med, q3 = np.quantile(x, [0.25, 0.5, 0.75])
                lo_fence, hi_fence = q1 - 1.5 * (q3 - q1), q3 + 1.5 * (q3 - q1)
                inside = x[(x >= lo_fence) & (x <= hi_fence)]
                out.append({"q": [q1, med, q3], "w": [min(inside.min(), q1), max(inside.max(), q3)],
                            "o": sorted(x[(x < lo_fence) | (x > hi_fence)].tolist()), "mean": x.mean()})
            print(json.dumps(out))
            """;
        var output = await PythonOracle.RunAsync(script, stdin: JsonSerializer.Serialize(samples),
            cancellationToken: TestContext.Current.CancellationToken);
        if (output.Trim() == "NO_NUMPY") Assert.Skip($"numpy is not installed for {PythonOracle.Interpreter}");
        using var json = JsonDocument.Parse(output);
        var results = json.RootElement.EnumerateArray().ToList();
        Assert.Equal(samples.Count, results.Count);
        for (var k = 0; k < samples.Count; k++)
        {
            var s = BoxStatistics.Compute(samples[k]);
            var r = results[k];
            double[] q = [.. r.GetProperty("q").EnumerateArray().Select(e => e.GetDouble())];
            double[] w = [.. r.GetProperty("w").EnumerateArray().Select(e => e.GetDouble())];
            var n = samples[k].Length;
            SvgReader.AssertClose(q[0], s.Q1, 1e-12, 1e-12, $"Q1, n = {n}");
            SvgReader.AssertClose(q[1], s.Median, 1e-12, 1e-12, $"median, n = {n}");
            SvgReader.AssertClose(q[2], s.Q3, 1e-12, 1e-12, $"Q3, n = {n}");
            SvgReader.AssertClose(w[0], s.LowerWhisker, 1e-12, 1e-12, $"lower whisker, n = {n}");
            SvgReader.AssertClose(w[1], s.UpperWhisker, 1e-12, 1e-12, $"upper whisker, n = {n}");
            SvgReader.AssertClose(r.GetProperty("mean").GetDouble(), s.Mean, 1e-12, 1e-12, $"mean, n = {n}");
            Assert.Equal(r.GetProperty("o").EnumerateArray().Select(e => e.GetDouble()), s.Outliers);
        }
    }

    [Fact]
    public void Boxes_whiskers_outliers_and_highlights_are_drawn_where_the_statistics_say()
    {
        var groups = Samples.GiaGroups();
        groups[1] = groups[1] with { GlobalImportance = 0.123 };
        var doc = SvgReader.Parse(BoxPlot.Render(groups, "GIA"));
        var toData = doc.PixelToData();
        var drawn = doc.ByClass("box-group").ToList();
        Assert.Equal(groups.Count, drawn.Count);
        for (var g = 0; g < groups.Count; g++)
        {
            var element = drawn[g];
            if (groups[g].Values.Count == 0) continue;
            var sorted = groups[g].Values.Order().ToArray();
            var span = sorted[^1] - sorted[0];
            var tolerance = 1e-4 * span;
            var box = element.SingleByClass("box");
            SvgReader.AssertClose(SortedQuantile(sorted, 0.75), toData(box.Number("y")), 0, tolerance, $"Q3 of {groups[g].Label}");
            SvgReader.AssertClose(SortedQuantile(sorted, 0.25), toData(box.Number("y") + box.Number("height")), 0, tolerance, $"Q1 of {groups[g].Label}");
            SvgReader.AssertClose(SortedQuantile(sorted, 0.5), toData(element.SingleByClass("median").Number("y1")), 0, tolerance);

            var stats = BoxStatistics.Compute(groups[g].Values);
            var whiskerEnds = element.ByClass("whisker").Select(l => toData(l.Number("y2"))).Order().ToList();
            SvgReader.AssertClose(stats.LowerWhisker, whiskerEnds[0], 0, tolerance);
            SvgReader.AssertClose(stats.UpperWhisker, whiskerEnds[1], 0, tolerance);
            var outliers = element.ByClass("outlier").Select(c => toData(c.Number("cy"))).Order().ToList();
            Assert.Equal(stats.Outliers.Count, outliers.Count);
            for (var k = 0; k < outliers.Count; k++) SvgReader.AssertClose(stats.Outliers[k], outliers[k], 0, tolerance);

            // The highlight is a diamond (a path, unlike the circles of outliers) centred on the mean or the given value.
            var highlight = element.SingleByClass("highlight");
            Assert.Equal("path", highlight.Name.LocalName);
            var expected = groups[g].GlobalImportance ?? sorted.Average();
            SvgReader.AssertClose(expected, toData(DiamondCentreY(highlight)), 0, tolerance, $"highlight of {groups[g].Label}");
        }
        Assert.Equal("global importance (mean)", doc.SingleByClass("legend-label").Value);
        Assert.Equal("local effect", doc.ByClass("y-axis").Single().ByClass("axis-label").Single().Value);
    }

    private static double DiamondCentreY(XElement path)
    {
        var numbers = ((string)path.Attribute("d")!).Split(['M', 'L', 'Z', ' '], StringSplitOptions.RemoveEmptyEntries)
            .Select(t => double.Parse(t, CultureInfo.InvariantCulture)).ToList();
        var ys = numbers.Where((_, i) => i % 2 == 1).ToList();
        return (ys.Min() + ys.Max()) / 2;
    }

    [Fact]
    public void An_empty_group_is_an_empty_slot_marked_n_equals_0()
    {
        var groups = Samples.GiaGroups();
        var doc = SvgReader.Parse(BoxPlot.Render(groups));
        var empty = doc.ByClass("box-group").ElementAt(groups.FindIndex(g => g.Values.Count == 0));
        Assert.Equal("n = 0", empty.SingleByClass("empty-note").Value);
        Assert.Empty(empty.ByClass("box"));
        Assert.Empty(empty.ByClass("highlight"));

        var onlyEmpty = SvgReader.Parse(BoxPlot.Render([new BoxPlotGroup("none", [])]));
        Assert.Single(onlyEmpty.ByClass("empty-note"));
        Assert.NotEmpty(onlyEmpty.YTicks());
    }

    [Fact]
    public void Labels_turn_when_there_are_many_groups_and_stay_level_when_few()
    {
        var few = SvgReader.Parse(BoxPlot.Render([new BoxPlotGroup("a", [1, 2, 3]), new BoxPlotGroup("b", [2, 3, 4])]));
        Assert.All(few.ByClass("x-tick-label"), t => Assert.Null(t.Attribute("transform")));

        var many = Enumerable.Range(0, 24).Select(g => new BoxPlotGroup($"motif_{g:D2}_UGUAUAUA", [g, g + 1, g + 2])).ToList();
        var doc = SvgReader.Parse(BoxPlot.Render(many));
        var labels = doc.ByClass("x-tick-label").ToList();
        Assert.Equal(24, labels.Count);
        Assert.All(labels, t => Assert.StartsWith("rotate(-45 ", (string?)t.Attribute("transform")));
        // Turned labels hang below the plot and still fit inside the picture.
        var height = doc.Root!.Number("height");
        var longest = PlotStyle.Default.FontSize * 0.5 * "motif_00_UGUAUAUA".Length * Math.Sqrt(0.5);
        Assert.All(labels, t => Assert.True(t.Number("y") + longest <= height, "label runs off the bottom"));
    }

    [Fact]
    public void Identical_values_get_a_readable_axis_around_them()
    {
        // The mean of three 0.2s is 0.20000000000000004: not a spread worth ten decimals of tick labels.
        var doc = SvgReader.Parse(BoxPlot.Render([new BoxPlotGroup("flat", [0.2, 0.2, 0.2])]));
        var ticks = doc.YTicks();
        Assert.True(ticks.Count >= 3);
        Assert.All(doc.ByClass("y-tick-label"), t => Assert.True(t.Value.Length <= 4, $"tick label '{t.Value}'"));
        var toData = doc.PixelToData();
        var box = doc.SingleByClass("box");
        SvgReader.AssertClose(0.2, toData(box.Number("y")), 0, 1e-4);
        Assert.InRange(0.2, ticks.Min(t => t.Value), ticks.Max(t => t.Value));
    }

    [Fact]
    public void Non_finite_values_are_rejected_naming_group_and_index()
    {
        var e = Assert.Throws<ArgumentException>(() => BoxPlot.Render([new BoxPlotGroup("ok", [1]), new BoxPlotGroup("bad", [1, 2, double.NaN])]));
        Assert.Contains("group 1 ('bad')", e.Message);
        Assert.Contains("NaN at index 2", e.Message);
        Assert.Throws<ArgumentException>(() => BoxPlot.Render([]));
        Assert.Throws<ArgumentException>(() => BoxPlot.Render([new BoxPlotGroup("x", [1], double.PositiveInfinity)]));
    }
}
