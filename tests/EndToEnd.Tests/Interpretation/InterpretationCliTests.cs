using System.Diagnostics;
using System.Xml.Linq;

namespace RbpPipeline.EndToEnd.Tests.Interpretation;

/// <summary>`rbp explain` and `rbp gia` as a user runs them: the built CLI against the fixture's server.</summary>
[Collection(InterpretedModelsCollection.Name)]
public sealed class InterpretationCliTests(InterpretedModels models)
{
    [Fact]
    public async Task Explain_writes_attributions_logos_and_consensus_motifs()
    {
        using var work = new TempFolder("rbp-explain-cli");
        var input = work.File("peaks.fa");
        var records = models.ClipTest.Where(r => r.Labels[0] == 1).Take(6).ToList();
        await File.WriteAllLinesAsync(input, records.SelectMany(r => new[] { $">{r.Id}", r.Sequence }), TestContext.Current.CancellationToken);
        var (code, error) = await RunAsync("explain", input, "--model", InterpretedModels.Clip, "--out", work.File("out"), "--pictures", "2",
            "--motifs", "--baseline", "dinucleotide-shuffle:3");
        Assert.True(code == 0, error);

        var summary = File.ReadAllLines(work.File("out/summary.tsv"));
        Assert.Equal("id\tsequence\tprediction\tbaseline_prediction\tconvergence_delta", summary[0]);
        Assert.Equal(records.Select(r => r.Id), summary.Skip(1).Select(l => l.Split('\t')[0]));
        var rows = File.ReadAllLines(work.File("out/attributions.tsv"));
        Assert.Equal(1 + records.Count * 101, rows.Length);
        Assert.Equal(["id", "input", "position", "base", "A", "C", "G", "U"], rows[0].Split('\t'));
        var logos = Directory.GetFiles(work.File("out/logos"), "*.svg").Order().ToList();
        Assert.Equal(2, logos.Count);
        foreach (var logo in logos) Assert.Equal("svg", XDocument.Load(logo).Root!.Name.LocalName);
        Assert.StartsWith("MEME version 4", File.ReadAllText(work.File("out/motifs.meme")));

        // The default logo is projected: per position one letter, the observed base, as tall as the row's sum of
        // A, C, G and U in attributions.tsv, on one scale for the whole picture.
        var first = rows.Skip(1).Select(r => r.Split('\t')).Where(c => c[0] == records[0].Id).ToList();
        var letters = Letters(logos[0]);
        Assert.Equal(first.Count(c => Sum(c) != 0 && "ACGUT".Contains(c[3])), letters.Count);
        var pixelsPerUnit = letters.Max(l => l.Height) / letters.Max(l => Math.Abs(l.Value));
        foreach (var letter in letters)
        {
            var row = first[letter.Position - 1];
            Assert.Equal(row[3] == "T" ? 'U' : row[3][0], letter.Base);
            // The TSV keeps 6 significant digits per channel.
            var magnitude = row[4..8].Sum(v => Math.Abs(double.Parse(v, System.Globalization.CultureInfo.InvariantCulture)));
            Assert.True(Math.Abs(Sum(row) - letter.Value) <= 1e-5 * magnitude + 1e-12,
                $"position {letter.Position}: the logo draws {letter.Value}; the TSV row sums to {Sum(row)}");
            Assert.True(Math.Abs(letter.Height - Math.Abs(letter.Value) * pixelsPerUnit) <= 1e-3 + 1e-5 * letter.Height,
                $"position {letter.Position}: {letter.Height} px for {letter.Value}");
        }

        // --per-channel stacks the four channels: the shuffled baseline puts mass on the bases not observed.
        (code, error) = await RunAsync("explain", input, "--model", InterpretedModels.Clip, "--out", work.File("per-channel"), "--pictures", "1",
            "--baseline", "dinucleotide-shuffle:3", "--per-channel");
        Assert.True(code == 0, error);
        var stacked = Letters(Assert.Single(Directory.GetFiles(work.File("per-channel/logos"), "*.svg")));
        Assert.Contains(stacked.GroupBy(l => l.Position), column => column.Count() > 1);
        Assert.True(stacked.Count > 2 * letters.Count, $"{stacked.Count} letters per channel against {letters.Count} projected");
    }

    private static double Sum(string[] row) =>
        row[4..8].Sum(v => double.Parse(v, System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>The letters of a logo with the metadata they carry and the height they are drawn at (the y scale of their transform).</summary>
    private static List<(int Position, char Base, double Value, double Height)> Letters(string svg)
    {
        var invariant = System.Globalization.CultureInfo.InvariantCulture;
        XNamespace ns = "http://www.w3.org/2000/svg";
        return [.. XDocument.Load(svg).Descendants(ns + "use").Select(u =>
        {
            var transform = (string)u.Attribute("transform")!;
            var scale = transform[(transform.IndexOf("scale(", StringComparison.Ordinal) + 6)..^1].Split(' ');
            return (int.Parse((string)u.Attribute("data-position")!, invariant), ((string)u.Attribute("data-base")!)[0],
                double.Parse((string)u.Attribute("data-value")!, invariant), double.Parse(scale[1], invariant));
        })];
    }

    [Fact]
    public async Task Gia_embed_writes_conditions_and_a_box_plot_and_bad_options_are_named()
    {
        using var work = new TempFolder("rbp-gia-cli");
        var reference = work.File("reference.fa");
        await File.WriteAllLinesAsync(reference, models.AffinityTest.Take(200).SelectMany((r, i) => new[] { $">r{i}", r.Sequence }),
            TestContext.Current.CancellationToken);
        var (code, error) = await RunAsync("gia", "embed", "--pattern", "UGUAAAUA@16", "--model", InterpretedModels.Affinity,
            "--reference", reference, "--count", "50", "--out", work.File("out"));
        Assert.True(code == 0, error);
        var conditions = File.ReadAllLines(work.File("out/conditions.tsv"));
        Assert.Equal(2, conditions.Length);
        Assert.StartsWith("1\tUGUAAAUA@16", conditions[1]);
        Assert.Equal("svg", XDocument.Load(work.File("out/local_effects.svg")).Root!.Name.LocalName);

        (code, error) = await RunAsync("gia", "embed", "--pattern", "UGUAAAUA", "--model", InterpretedModels.Affinity,
            "--reference", reference, "--out", work.File("bad"));
        Assert.Equal(1, code);
        Assert.Contains("--pattern 'UGUAAAUA': expected SEQUENCE@POSITION", error);
    }

    private async Task<(int Code, string Error)> RunAsync(params string[] arguments)
    {
        var result = await RbpCli.RunAsync([.. arguments, "--server", models.ServerAddress],
            cancellationToken: TestContext.Current.CancellationToken);
        return (result.Code, result.Stderr);
    }
}
