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
        var logos = Directory.GetFiles(work.File("out/logos"), "*.svg");
        Assert.Equal(2, logos.Length);
        foreach (var logo in logos) Assert.Equal("svg", XDocument.Load(logo).Root!.Name.LocalName);
        Assert.StartsWith("MEME version 4", File.ReadAllText(work.File("out/motifs.meme")));
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
