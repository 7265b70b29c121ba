using System.Globalization;
using RbpPipeline.Client;
using RbpPipeline.Client.Variants;
using RbpPipeline.Contracts.Rbp.V1;
using RbpPipeline.Contracts.SequenceEncoding;
using Grpc.Core;
using RbpPipeline.InferenceServer.Tests.Serving;

namespace RbpPipeline.InferenceServer.Tests.Variants;

/// <summary>
/// score-variants with --ig-score and --ism against an in-process server: the GGAC motif model published with a
/// gradient graph ('motif'), the same without one ('plain'), and the repository's linear test model ('linear',
/// random weights, an even length of 20 so the two strands put the variant at different indices).
/// </summary>
public sealed class VariantInterpretationTests : IAsyncLifetime
{
    private static readonly VariantInterpretation IgAndIsm = new() { IgScore = true, Ism = true };

    private readonly TestModelRepository _repo = new();
    private readonly VariantTestData _data = new();
    private ServingServer _server = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        MotifModel.Publish(_repo, "motif", withGradient: true);
        MotifModel.Publish(_repo, "plain");
        _repo.Publish("linear", 1, new TestModelSpec { Length = 20 });
        _server = await ServingServer.StartAsync(_repo);
    }

    private InterpretationService.InterpretationServiceClient Interpretation => _server.Channel.Interpretation;

    private VariantScoringOptions Options(string output, VariantInterpretation interpretation, params string[] models) => new()
    {
        VcfPath = _data.WriteVcf("calls.vcf"),
        FastaPath = _data.FastaPath,
        OutputPath = _data.PathOf(output),
        Models = models,
        BatchSize = 3,
        InFlight = 2,
        Interpretation = interpretation,
    };

    private Task<VariantScoringSummary> RunAsync(VariantScoringOptions options) =>
        VariantScorer.RunAsync(_server.Models, Interpretation, options, Ct);

    private static List<Dictionary<string, string>> ReadTsv(string path, VariantInterpretation interpretation)
    {
        var columns = VariantOutput.TsvColumnsFor(interpretation);
        var lines = File.ReadAllLines(path);
        Assert.Equal(string.Join('\t', columns), lines[0]);
        return [.. lines.Skip(1).Select(l =>
        {
            var cells = l.Split('\t');
            Assert.Equal(columns.Count, cells.Length);
            return columns.Zip(cells).ToDictionary(p => p.First, p => p.Second);
        })];
    }

    private static double D(Dictionary<string, string> row, string column) => double.Parse(row[column], CultureInfo.InvariantCulture);

    private static bool IsSnv(Dictionary<string, string> row) => row["ref"].Length == 1 && row["alt"].Length == 1;

    [Fact]
    public async Task IgScoreAndIsmFollowTheMotifThatAVariantCreatesOrDestroys()
    {
        await RunAsync(Options("motif.tsv", IgAndIsm, "motif"));
        var rows = ReadTsv(_data.PathOf("motif.tsv"), IgAndIsm);
        Assert.Equal(18, rows.Count);
        Dictionary<string, string> Row(string id, string task = "motif") => rows.First(r => r["id"] == id && r["task"] == task);

        // A whole site lies within ±10 of these variants, and integrated gradients is complete (Σ attributions =
        // raw(x) − raw(zeros) = raw(x)), so the IG-score is close to the raw change: + where ALT makes GGAC, − where it breaks it.
        void Expect(Dictionary<string, string> row, double sign)
        {
            Assert.Equal(sign, D(row, "logit_diff"));
            Assert.InRange(D(row, "ig_score"), sign - 0.05, sign + 0.05);
        }
        Expect(rows.First(r => r["id"] == "destroy" && r["alt"] == "T" && r["task"] == "motif"), -1);
        Expect(rows.First(r => r["id"] == "destroy" && r["alt"] == "G" && r["task"] == "motif"), -1);
        Expect(Row("create"), 1);
        Expect(Row("minus"), 1);
        Assert.Equal("-", Row("minus")["strand"]);   // computed on the reverse complement, where the site is
        Expect(Row("deletion"), 1);
        Expect(Row("insertion"), -1);
        foreach (var id in new[] { "neutral", "near_start", "near_n" }) Assert.Equal(0, D(Row(id), "ig_score"));
        // The target is the raw output, which 'scaled' shares with 'motif' (only its values are transformed).
        Assert.All(rows.Where(r => r["task"] == "scaled"), r => Assert.Equal(D(Row(r["id"]), "ig_score"), D(r, "ig_score"), 1e-6));

        // ISM at the variant: every substitution of GGAC's A breaks the site; only A creates it at 83.
        var destroy = rows.First(r => r["id"] == "destroy" && r["task"] == "motif");
        Assert.Equal(Math.Sqrt(3), D(destroy, "ism_norm"), 1e-6);
        Assert.Equal(1, D(Row("create"), "ism_norm"), 1e-6);
        Assert.Equal(1, D(Row("minus"), "ism_norm"), 1e-6);
        Assert.Equal(0, D(Row("neutral"), "ism_norm"));
        foreach (var row in rows.Where(IsSnv)) Assert.Equal(D(row, "logit_diff"), D(row, "ism_alt"), 1e-4);
        foreach (var row in rows.Where(r => !IsSnv(r)))
        {
            Assert.Equal(VariantOutput.MissingTsv, row["ism_alt"]);
            Assert.True(double.IsFinite(D(row, "ism_norm")));
        }

        // --ig-window 0 sums the variant's own base only: a quarter of the created site.
        await RunAsync(Options("window0.tsv", IgAndIsm with { IgWindow = 0 }, "motif"));
        var narrow = ReadTsv(_data.PathOf("window0.tsv"), IgAndIsm).First(r => r["id"] == "create" && r["task"] == "motif");
        Assert.InRange(D(narrow, "ig_score"), 0.2, 0.3);
    }

    [Fact]
    public async Task IgScoreEqualsSummedAttributionsOfTheAttributeRpc()
    {
        var settings = new VariantInterpretation { IgScore = true, IgWindow = 1, IgSteps = 20 };
        await RunAsync(Options("ig.tsv", settings, "motif", "linear"));
        var rows = ReadTsv(_data.PathOf("ig.tsv"), settings);
        var checkedRows = 0;
        foreach (var row in rows.Where(r => r["chrom"] == "chr1"))
        {
            var length = row["model"] == "linear" ? 20 : MotifModel.Length;
            var pos = int.Parse(row["pos"], CultureInfo.InvariantCulture);
            var strand = row["strand"][0];
            var refSum = await WindowSumAsync(row["model"], row["task"], pos, row["ref"], row["ref"].Length, length, strand, 1, 20);
            var altSum = await WindowSumAsync(row["model"], row["task"], pos, row["alt"], row["ref"].Length, length, strand, 1, 20);
            Assert.Equal(altSum - refSum, D(row, "ig_score"), 1e-4);
            checkedRows++;
        }
        Assert.Equal(2 * 2 * 8, checkedRows);   // 2 models × 2 tasks × 8 variants on chr1
        Assert.Contains(rows, r => r["strand"] == "-" && r["model"] == "linear");
        Assert.InRange(D(rows.First(r => r["id"] == "create" && r["model"] == "motif" && r["task"] == "motif"), "ig_score"), 0.6, 0.95); // 3 of 4 site bases (the whole site: ≈ 1.1 at 20 steps)
    }

    /// <summary>
    /// The window of <paramref name="allele"/> built here from the test genome (allele centred, shared flanks),
    /// oriented, sent to Attribute on its own, and its attributions summed over the allele ± <paramref name="near"/>.
    /// </summary>
    private async Task<double> WindowSumAsync(string model, string task, int pos, string allele, int refLength, int length, char strand, int near, int steps)
    {
        var genome = _data.Chr1.ToUpperInvariant();
        string Slice(int from, int to) => new([.. Enumerable.Range(from, to - from).Select(i => i < 0 || i >= genome.Length ? 'N' : genome[i])]);
        var left = (length - allele.Length) / 2;
        var right = length - allele.Length - left;
        var window = Slice(pos - 1 - left, pos - 1) + allele + Slice(pos - 1 + refLength, pos - 1 + refLength + right);
        var (start, end) = strand == '-' ? (length - left - allele.Length, length - left) : (left, left + allele.Length);
        if (strand == '-') window = Nucleotides.ReverseComplement(window);
        var request = new AttributeRequest
        {
            Model = model,
            Method = AttributionMethod.IntegratedGradients,
            Steps = steps,
            Rule = IntegrationRule.GaussLegendre,
            Baseline = new Baseline { Kind = Baseline.Types.Kind.Zeros },
            Target = new Target { Weights = { [task] = 1f } },
            Inputs = new SequenceBatch { Sequences = { window } },
        };
        var answers = new List<Attribution>();
        await foreach (var response in Interpretation.Attribute(request, cancellationToken: Ct).ResponseStream.ReadAllAsync(Ct))
            answers.AddRange(response.Attributions);
        var map = Assert.Single(Assert.Single(answers).Maps);
        var sum = 0.0;
        for (var c = 0; c < 4; c++)
            for (var l = Math.Max(0, start - near); l < Math.Min(length, end + near); l++) sum += map.Values[c * length + l];
        return sum;
    }

    [Fact]
    public async Task IsmAltEqualsTheRawDiffAndIsmNormEqualsTheMutagenesisLogoHeight()
    {
        // --ig-window 0: the IG-score sums the variant's own base only, which sits at index 9 on '+' and 10 on '-'.
        var settings = IgAndIsm with { IgWindow = 0 };
        await RunAsync(Options("linear.tsv", settings, "linear"));
        var rows = ReadTsv(_data.PathOf("linear.tsv"), settings);
        var snvs = rows.Where(IsSnv).ToList();
        Assert.Equal(2 * 7, snvs.Count);
        Assert.Contains(snvs, r => r["strand"] == "-");
        Assert.Contains(snvs, r => r["strand"] == "+");
        foreach (var row in snvs)
        {
            Assert.NotEqual(0, D(row, "logit_diff"));
            Assert.Equal(D(row, "logit_diff"), D(row, "ism_alt"), 1e-4);
            // A linear model's integrated gradients are exact (x ⊙ w), and an SNV's windows differ at that base only.
            Assert.Equal(D(row, "logit_diff"), D(row, "ig_score"), 1e-4);
        }
        Assert.All(rows.Where(r => !IsSnv(r)), r => Assert.Equal(VariantOutput.MissingTsv, r["ism_alt"]));

        // ism_norm against Mutagenesis called here on the ref window, at the index the variant has on that strand.
        foreach (var row in snvs.Where(r => r["chrom"] == "chr1"))
        {
            var pos = int.Parse(row["pos"], CultureInfo.InvariantCulture);
            var genome = _data.Chr1.ToUpperInvariant();
            var window = new string([.. Enumerable.Range(pos - 1 - 9, 20).Select(i => i < 0 ? 'N' : genome[i])]);
            var (sequence, index) = row["strand"] == "-" ? (Nucleotides.ReverseComplement(window), 10) : (window, 9);
            var request = new MutagenesisRequest
            {
                Model = "linear",
                Target = new Target { Weights = { [row["task"]] = 1f } },
                WindowStart = index,
                WindowLength = 1,
                Inputs = new SequenceBatch { Sequences = { sequence } },
            };
            var responses = new List<MutagenesisResponse>();
            await foreach (var response in Interpretation.Mutagenesis(request, cancellationToken: Ct).ResponseStream.ReadAllAsync(Ct))
                responses.Add(response);
            Assert.Equal(Assert.Single(Assert.Single(responses).PositionNorms), D(row, "ism_norm"), 1e-5);
        }
    }

    [Fact]
    public async Task VcfInfoFieldsAreDeclaredAndMatchTheTsvColumns()
    {
        await RunAsync(Options("both.tsv", IgAndIsm, "motif", "linear"));
        await RunAsync(Options("both.vcf", IgAndIsm, "motif", "linear"));
        var rows = ReadTsv(_data.PathOf("both.tsv"), IgAndIsm);

        using var reader = new VcfReader(_data.PathOf("both.vcf"));
        Assert.Contains(reader.HeaderLines, h => h.StartsWith("##INFO=<ID=RBP_IG,Number=.,Type=Float,", StringComparison.Ordinal));
        Assert.Contains(reader.HeaderLines, h => h.StartsWith("##INFO=<ID=RBP_ISM_NORM,Number=.,Type=Float,", StringComparison.Ordinal));
        Assert.Contains(reader.HeaderLines, h => h.StartsWith("##INFO=<ID=RBP_ISM_ALT,Number=.,Type=Float,", StringComparison.Ordinal));
        Assert.Contains(VariantOutput.InterpretationHeader + IgAndIsm.Describe(), reader.HeaderLines);
        var records = 0;
        while (reader.Read() is { } record)
        {
            var info = record.Columns()[7];
            var entries = VariantOutput.ParseInfo(info);
            var ig = VariantOutput.ParseInfoValues(info, VariantOutput.IgInfoId);
            var norm = VariantOutput.ParseInfoValues(info, VariantOutput.IsmNormInfoId);
            var alt = VariantOutput.ParseInfoValues(info, VariantOutput.IsmAltInfoId);
            Assert.Equal(4, entries.Count);
            Assert.Equal(entries.Count, ig.Count);
            Assert.Equal(entries.Count, norm.Count);
            Assert.Equal(entries.Count, alt.Count);
            var tsv = rows.Where(r => r["id"] == record.Id && r["alt"] == record.Alts[0]).ToList();
            for (var i = 0; i < entries.Count; i++)
            {
                Assert.Equal((tsv[i]["model"], tsv[i]["task"]), (entries[i].Model, entries[i].Task));
                Assert.Equal(D(tsv[i], "ig_score"), ig[i]!.Value, 1e-5);
                Assert.Equal(D(tsv[i], "ism_norm"), norm[i]!.Value, 1e-5);
                if (tsv[i]["ism_alt"] == VariantOutput.MissingTsv) Assert.Null(alt[i]);
                else Assert.Equal(D(tsv[i], "ism_alt"), alt[i]!.Value, 1e-5);
            }
            records++;
        }
        Assert.Equal(9, records);

        // Only the enabled values are written: --ism alone adds its two columns and no ig_score.
        var ismOnly = new VariantInterpretation { Ism = true };
        await RunAsync(Options("ism.tsv", ismOnly, "plain"));
        Assert.Equal(VariantOutput.TsvColumns.Concat(["ism_norm", "ism_alt"]), VariantOutput.TsvColumnsFor(ismOnly));
        Assert.Equal(18, ReadTsv(_data.PathOf("ism.tsv"), ismOnly).Count);
    }

    [Fact]
    public async Task IgScoreOnAModelWithoutGradientGraphIsAnErrorNamingTheModel()
    {
        var e = await Assert.ThrowsAsync<ArgumentException>(() => RunAsync(Options("plain.tsv", IgAndIsm, "plain")));
        Assert.Contains("--ig-score", e.Message);
        Assert.Contains("plain", e.Message);
        Assert.Contains("gradient.onnx", e.Message);
        await Assert.ThrowsAsync<ArgumentException>(() => VariantScorer.RunAsync(_server.Models, Options("x.tsv", IgAndIsm, "motif"), Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => RunAsync(Options("x.tsv", IgAndIsm with { IgSteps = 0 }, "motif")));
    }

    [Theory]
    [InlineData("out.tsv")]
    [InlineData("out.vcf")]
    public async Task ResumeWithInterpretationGivesTheUninterruptedOutput(string name)
    {
        var options = Options(name, IgAndIsm, "motif");
        await RunAsync(options);
        var full = File.ReadAllBytes(options.OutputPath);
        var headerEnd = Array.LastIndexOf(full, (byte)'#');
        var cuts = new SortedSet<int> { headerEnd + 3, full.Length - 1 };
        for (var i = headerEnd + 7; i < full.Length; i += Math.Max(1, (full.Length - headerEnd) / 5)) cuts.Add(i);
        var resumed = options with { OutputPath = _data.PathOf("resumed-" + name), Resume = true };
        foreach (var cut in cuts)
        {
            File.WriteAllBytes(resumed.OutputPath, full[..cut]);
            await RunAsync(resumed);
            Assert.True(full.AsSpan().SequenceEqual(File.ReadAllBytes(resumed.OutputPath)), $"resume after a cut at byte {cut} of {full.Length} differs");
        }

        // Other interpretation settings write another header: resume refuses rather than mixing columns.
        await Assert.ThrowsAsync<FormatException>(() => RunAsync(resumed with { Interpretation = VariantInterpretation.None }));
        if (name.EndsWith(".vcf", StringComparison.Ordinal))
            await Assert.ThrowsAsync<FormatException>(() => RunAsync(resumed with { Interpretation = IgAndIsm with { IgWindow = 3 } }));
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        _repo.Dispose();
        _data.Dispose();
    }
}
