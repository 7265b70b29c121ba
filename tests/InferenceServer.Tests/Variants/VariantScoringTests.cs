using System.Globalization;
using RbpPipeline.Client.Variants;
using RbpPipeline.InferenceServer.Tests.Serving;

namespace RbpPipeline.InferenceServer.Tests.Variants;

/// <summary>score-variants end to end against an in-process server holding the GGAC motif model.</summary>
public sealed class VariantScoringTests : IAsyncLifetime
{
    private readonly TestModelRepository _repo = new();
    private readonly VariantTestData _data = new();
    private ServingServer _server = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        MotifModel.Publish(_repo, "motif");
        MotifModel.Publish(_repo, "motif_long", length: 31);
        _server = await ServingServer.StartAsync(_repo);
    }

    private VariantScoringOptions Options(string vcf, string output) => new()
    {
        VcfPath = vcf,
        FastaPath = _data.FastaPath,
        OutputPath = _data.PathOf(output),
        Models = ["motif"],
        BatchSize = 3,
        InFlight = 2,
    };

    private Task<VariantScoringSummary> RunAsync(VariantScoringOptions options) => VariantScorer.RunAsync(_server.Models, options, Ct);

    private static List<Dictionary<string, string>> ReadTsv(string path)
    {
        var lines = File.ReadAllLines(path);
        Assert.Equal(string.Join('\t', VariantOutput.TsvColumns), lines[0]);
        return [.. lines.Skip(1).Select(l =>
        {
            var cells = l.Split('\t');
            Assert.Equal(VariantOutput.TsvColumns.Count, cells.Length);
            return VariantOutput.TsvColumns.Zip(cells).ToDictionary(p => p.First, p => p.Second);
        })];
    }

    private static double D(Dictionary<string, string> row, string column) => double.Parse(row[column], CultureInfo.InvariantCulture);

    [Fact]
    public async Task MotifCreatedOrDestroyedGivesTheRightSignStrandAndScale()
    {
        var progress = new StringWriter();
        var summary = await RunAsync(Options(_data.WriteVcf("calls.vcf"), "out.tsv") with { Progress = progress, ProgressInterval = TimeSpan.Zero });
        var rows = ReadTsv(_data.PathOf("out.tsv"));

        Assert.Equal(12, summary.Records);
        Assert.Equal(1, summary.Skipped[SkipReasons.RefMismatch]);
        Assert.Equal(1, summary.Skipped[SkipReasons.Symbolic]);
        Assert.Equal(1, summary.Skipped[SkipReasons.Breakend]);
        Assert.Equal(1, summary.Skipped[SkipReasons.Star]);
        Assert.Equal(9, summary.Scored);
        Assert.Equal(18, rows.Count); // 9 variants × 1 model × 2 tasks
        Assert.DoesNotContain(rows, r => r["id"] == "ref_mismatch");
        Assert.Contains("variants/s", progress.ToString());                   // periodic plain lines (not a terminal)
        Assert.Contains("9 variants scored", progress.ToString());
        Assert.Contains($"skipped 1: {SkipReasons.RefMismatch}", progress.ToString());

        Dictionary<string, string> Row(string id, string alt, string task) => Assert.Single(rows, r => r["id"] == id && r["alt"] == alt && r["task"] == task);
        void Expect(string id, string alt, double diff, char strand)
        {
            var motif = Row(id, alt, "motif");
            Assert.Equal(diff, D(motif, "diff"));
            Assert.Equal(diff, D(motif, "logit_diff"));
            Assert.Equal(D(motif, "alt_score") - D(motif, "ref_score"), D(motif, "diff"));
            Assert.Equal(strand.ToString(), motif["strand"]);
            Assert.Equal("motif", motif["model"]);
            Assert.Equal("1", motif["version"]);
            var scaled = Row(id, alt, "scaled"); // values = 2·raw + 1: diff doubles, logit diff does not
            Assert.Equal(2 * diff, D(scaled, "diff"));
            Assert.Equal(diff, D(scaled, "logit_diff"));
            Assert.Equal(2 * D(motif, "ref_score") + 1, D(scaled, "ref_score"));
        }
        Expect("destroy", "T", -1, '+');
        Expect("destroy", "G", -1, '+');   // multi-allelic: one row set per ALT
        Expect("create", "A", 1, '+');
        Expect("minus", "C", 1, '-');      // GTCC on plus is GGAC on the reverse complement
        Expect("deletion", "G", 1, '+');   // GGTAC → GGAC
        Expect("insertion", "GT", -1, '+'); // GGAC → GGTAC
        Expect("neutral", rows.First(r => r["id"] == "neutral")["alt"], 0, '+');
        Expect("near_start", rows.First(r => r["id"] == "near_start")["alt"], 0, '+'); // window padded with N
        Expect("near_n", "G", 0, '+');     // genome N inside the window
        Assert.Equal(1, D(Row("destroy", "T", "motif"), "ref_score"));
        Assert.Equal(0, D(Row("destroy", "T", "motif"), "alt_score"));
        Assert.True(File.Exists(IndexedFasta.IndexPath(_data.FastaPath)));

        // --strand plus never reports the minus strand, so the minus-only site scores 0.
        await RunAsync(Options(_data.WriteVcf("calls.vcf"), "plus.tsv") with { Strand = StrandMode.Plus });
        var plus = ReadTsv(_data.PathOf("plus.tsv"));
        Assert.All(plus, r => Assert.Equal("+", r["strand"]));
        Assert.Equal(0, D(Assert.Single(plus, r => r["id"] == "minus" && r["task"] == "motif"), "diff"));

        // --min-abs-diff keeps whole variants with an effect.
        var filtered = await RunAsync(Options(_data.WriteVcf("calls.vcf"), "filtered.tsv") with { MinAbsDiff = 0.5 });
        Assert.Equal(6, filtered.Written);
        Assert.Equal(3, filtered.Filtered);
        Assert.Equal(12, ReadTsv(_data.PathOf("filtered.tsv")).Count);
    }

    [Fact]
    public async Task AllModelsInOnePassAndVcfOutputParsesBack()
    {
        var vcf = _data.WriteVcf("calls.vcf.gz", gzip: true);
        var summary = await RunAsync(Options(vcf, "out.vcf") with { Models = [] });
        Assert.Equal(["motif", "motif_long"], summary.Models.Select(m => m.Name));
        Assert.Equal([21, 31], summary.Models.Select(m => m.Length));

        using var reader = new VcfReader(_data.PathOf("out.vcf"));
        Assert.Contains(reader.HeaderLines, h => h.StartsWith("##INFO=<ID=RBP,", StringComparison.Ordinal));
        Assert.Contains("##rbpModels=motif:1,motif_long:1", reader.HeaderLines);
        Assert.Contains("##INFO=<ID=DP,Number=1,Type=Integer,Description=\"Depth\">", reader.HeaderLines);
        var records = new List<VcfRecord>();
        while (reader.Read() is { } r) records.Add(r);
        Assert.Equal(9, records.Count);
        Assert.All(records, r => Assert.Single(r.Alts));
        var destroyT = Assert.Single(records, r => r.Id == "destroy" && r.Alts[0] == "T");
        var columns = destroyT.Columns();
        Assert.Equal(8, columns.Length);
        Assert.StartsWith("DP=10;RBP=", columns[7]);
        var info = VariantOutput.ParseInfo(columns[7]);
        Assert.Equal([("motif", "motif", -1.0, -1.0), ("motif", "scaled", -2.0, -1.0), ("motif_long", "motif", -1.0, -1.0), ("motif_long", "scaled", -2.0, -1.0)], info);
        var create = VariantOutput.ParseInfo(Assert.Single(records, r => r.Id == "create").Columns()[7]);
        Assert.All(create.Where(i => i.Task == "motif"), i => Assert.Equal(1.0, i.Diff));
    }

    [Fact]
    public async Task ChromosomeNamingIsAnErrorByDefaultAndWorksWithTheOption()
    {
        var vcf = _data.WriteVcf("nochr.vcf", prefix: "");
        var e = await Assert.ThrowsAsync<FormatException>(() => RunAsync(Options(vcf, "nochr.tsv")));
        Assert.Contains("nochr.vcf:5", e.Message);
        Assert.Contains("'1'", e.Message);
        Assert.Contains("'chr1'", e.Message);

        await RunAsync(Options(vcf, "nochr.tsv") with { ChromosomeNaming = ChromosomeNaming.AddChr });
        await RunAsync(Options(_data.WriteVcf("calls.vcf"), "chr.tsv"));
        var withOption = ReadTsv(_data.PathOf("nochr.tsv"));
        var reference = ReadTsv(_data.PathOf("chr.tsv"));
        Assert.Equal(reference.Count, withOption.Count);
        Assert.All(withOption, r => Assert.DoesNotContain("chr", r["chrom"]));          // output keeps the VCF's names
        Assert.Equal(reference.Select(r => r["diff"]), withOption.Select(r => r["diff"]));
    }

    [Theory]
    [InlineData("out.tsv")]
    [InlineData("out.vcf")]
    public async Task ResumeAfterATruncatedOutputGivesTheSameOutput(string name)
    {
        var vcf = _data.WriteVcf("calls.vcf");
        await RunAsync(Options(vcf, name) with { Models = [] });
        var full = File.ReadAllBytes(_data.PathOf(name));
        var headerEnd = Array.LastIndexOf(full, (byte)'#');

        // Cut anywhere: inside the header, at a line end, inside a line, between two rows of one variant.
        var cuts = new SortedSet<int> { 0, 10, headerEnd + 3, full.Length - 1, full.Length };
        for (var i = headerEnd + 5; i < full.Length; i += Math.Max(1, (full.Length - headerEnd) / 9)) cuts.Add(i);
        foreach (var cut in cuts)
        {
            var path = _data.PathOf("resumed-" + name);
            File.WriteAllBytes(path, full[..cut]);
            var summary = await RunAsync(Options(vcf, "resumed-" + name) with { Models = [], Resume = true });
            Assert.True(full.AsSpan().SequenceEqual(File.ReadAllBytes(path)), $"resume after a cut at byte {cut} of {full.Length} differs");
            Assert.Equal(summary.Variants, summary.Resumed + summary.Scored + summary.Skipped.GetValueOrDefault(SkipReasons.RefMismatch));
        }

        // A finished output resumes to itself without scoring anything.
        var again = await RunAsync(Options(vcf, name) with { Models = [], Resume = true });
        Assert.Equal(0, again.Scored);
        Assert.True(full.AsSpan().SequenceEqual(File.ReadAllBytes(_data.PathOf(name))));

        // Another model set: the header differs and resume refuses.
        await Assert.ThrowsAsync<FormatException>(() => RunAsync(Options(vcf, name) with { Resume = true }));
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        _repo.Dispose();
        _data.Dispose();
    }
}
