using RbpPipeline.Interpretation.Backgrounds;
using RbpPipeline.Interpretation.Gia;
using RbpPipeline.Interpretation.Sequences;

namespace RbpPipeline.Interpretation.Tests.Gia;

public sealed class GlobalImportanceAnalysisTests
{
    private const int Length = 30;

    private static BackgroundSet RandomBackgrounds(int count, int seed, string alphabet = "ACGU", int length = Length)
    {
        var random = new Random(seed);
        return BackgroundSet.FromStrings([.. Enumerable.Range(0, count).Select(_ => Oracle.RandomSequence(random, length, alphabet))]);
    }

    private static GlobalImportanceAnalysis Analysis(IModelEvaluator evaluator, BackgroundSet backgrounds, GiaOptions? options = null) =>
        new(evaluator, Oracle.RawTarget, backgrounds, options);

    [Fact]
    public async Task KmerScanRanksThePlantedMotifsFirst()
    {
        var evaluator = new ClosedFormEvaluator(Length, Oracle.MotifModel, batchSize: 256);
        var backgrounds = RandomBackgrounds(200, 1);
        var scan = await Analysis(evaluator, backgrounds).KmerScanAsync(6, 12, TestContext.Current.CancellationToken);

        Assert.Equal(4096, scan.Ranked.Count);
        Assert.Equal(4096, scan.Ranked.Select(c => c.Pattern).Distinct().Count());
        Assert.Equal("UGUAUA", scan.Ranked[0].Pattern);
        // Only UGUAUA itself, its eight one-base-shifted relatives (completed by a flanking background base a quarter
        // of the time, ≈ 0.5) and ACUAAC (0.5) are expected near 0.5 or above.
        var acuaac = scan.Ranked.ToList().FindIndex(c => c.Pattern == "ACUAAC");
        Assert.InRange(acuaac, 1, 11);
        var strings = Oracle.Strings(backgrounds);
        var expected = Oracle.Importance(strings, b => Oracle.Embed(b, "UGUAUA", 12), Oracle.MotifModel);
        Assert.Equal(expected.Mean, scan.Ranked[0].Mean, 1e-9);
        Assert.Equal(expected.StandardError, scan.Ranked[0].StandardError, 1e-9);
        Assert.Equal(12, scan.Ranked[0].Position);
        Assert.Equal(4096L * 200 + 200, evaluator.Rows);
    }

    [Fact]
    public async Task EmbeddedPatternsMatchTheClosedFormOfALinearModel()
    {
        // raw = Σ_i W[i, base_i]: the local effect of an embedding is Σ over its non-N columns of W[new] − W[old].
        static double Weight(int i, int b) => Math.Sin(4 * i + b + 0.5);
        var evaluator = new ClosedFormEvaluator(Length, (codes, _) => codes.Select((c, i) => c < 4 ? Weight(i, c) : 0).Sum(), batchSize: 64);
        var backgrounds = RandomBackgrounds(150, 2);
        var gia = Analysis(evaluator, backgrounds, new GiaOptions { KeepLocalEffects = true });
        var result = await gia.EmbedAsync([new PatternPlacement("GNUA", 5), new PatternPlacement("cc", 20)], TestContext.Current.CancellationToken);

        var columns = new (int Position, byte Code)[] { (5, 2), (7, 3), (8, 0), (20, 1), (21, 1) };
        var effects = Enumerable.Range(0, backgrounds.Count)
            .Select(x => columns.Sum(c => Weight(c.Position, c.Code) - Weight(c.Position, backgrounds.Sequence(x)[c.Position])))
            .ToArray();
        var mean = columns.Sum(c => Weight(c.Position, c.Code)) -
                   Enumerable.Range(0, backgrounds.Count).Average(x => columns.Sum(c => Weight(c.Position, backgrounds.Sequence(x)[c.Position])));
        var standardError = Math.Sqrt(effects.Sum(e => (e - mean) * (e - mean)) / (effects.Length - 1) / effects.Length);

        var condition = Assert.Single(result.Conditions);
        Assert.Equal("GNUA@5 + CC@20", condition.Label);
        Assert.Equal(mean, condition.Mean, 1e-5);
        Assert.Equal(standardError, condition.StandardError, 1e-5);
        Assert.Equal(150, condition.Backgrounds);
        var local = result.LocalEffects(0);
        for (var x = 0; x < effects.Length; x++) Assert.Equal(effects[x], local[x], 1e-4);
        Assert.Equal(backgrounds.Count, result.Backgrounds);
    }

    [Fact]
    public async Task MultipleSitesAreAdditiveWhenSitesCannotInteract()
    {
        // Backgrounds of C and G only can neither hold UGUAUA nor complete one next to an embedded copy, so each
        // copy adds exactly 2.
        var backgrounds = RandomBackgrounds(50, 3, "CG");
        var additive = new ClosedFormEvaluator(Length, s => 2.0 * Oracle.Count(s, "UGUAUA"));
        var sites = await Analysis(additive, backgrounds).MultipleSitesAsync("UGUAUA", [2, 10, 18], TestContext.Current.CancellationToken);
        Assert.Equal([1, 2, 3], sites.Points.Select(p => p.Copies));
        foreach (var point in sites.Points)
        {
            Assert.Equal(2.0 * point.Copies, point.Observed.Mean, 1e-9);
            Assert.Equal(point.Copies * sites.Points[0].Observed.Mean, point.Additive, 1e-12);
            Assert.Equal(0, point.Excess, 1e-9);
            Assert.Equal(0, point.Observed.StandardError, 1e-6);
        }

        // A saturating model: two sites at most count. Three copies fall 2 short of the additive 6.
        var saturating = new ClosedFormEvaluator(Length, s => 2.0 * Math.Min(2, Oracle.Count(s, "UGUAUA")));
        var saturated = await Analysis(saturating, backgrounds).MultipleSitesAsync("UGUAUA", [2, 10, 18], TestContext.Current.CancellationToken);
        Assert.Equal(4.0, saturated.Points[2].Observed.Mean, 1e-9);
        Assert.Equal(6.0, saturated.Points[2].Additive, 1e-9);
        Assert.Equal(-2.0, saturated.Points[2].Excess, 1e-9);
    }

    private static double PositionWeight(int start) => 1 + Math.Sin(start / 3.0);

    private static double PositionWeightedModel(string s)
    {
        var sum = 0.0;
        for (var i = s.IndexOf("UGUAUA", StringComparison.Ordinal); i >= 0; i = s.IndexOf("UGUAUA", i + 1, StringComparison.Ordinal))
            sum += PositionWeight(i);
        return sum;
    }

    [Fact]
    public async Task PositionalScanReturnsThePositionWeightCurve()
    {
        var backgrounds = RandomBackgrounds(20, 4, "CG");
        var evaluator = new ClosedFormEvaluator(Length, PositionWeightedModel, batchSize: 50);
        var gia = Analysis(evaluator, backgrounds);
        var scan = await gia.PositionalScanAsync(["UGUAUA", "ACUAAC"], null, TestContext.Current.CancellationToken);
        Assert.Equal(Enumerable.Range(0, Length - 5), scan.Positions);
        var curve = scan.Curve(0);
        for (var p = 0; p < curve.Length; p++) Assert.Equal(PositionWeight(p), curve[p], 1e-5);
        Assert.All(scan.Curve(1), v => Assert.Equal(0, v, 1e-9));
        Assert.Equal("UGUAUA@7", scan.At(0, 7).Label);

        // The top k-mers of a scan, at chosen positions.
        var kmers = await gia.KmerScanAsync(6, 3, TestContext.Current.CancellationToken);
        var top = await gia.PositionalScanAsync(kmers, 1, [0, 9, 21], TestContext.Current.CancellationToken);
        Assert.Equal(["UGUAUA"], top.Patterns);
        Assert.Equal([PositionWeight(0), PositionWeight(9), PositionWeight(21)], top.Curve(0), (a, b) => Math.Abs(a - b) < 1e-5);
    }

    private static double PairTerm(int gap) => 0.3 * gap - 0.02 * gap * gap;

    private static double SpacingModel(string s)
    {
        var first = s.IndexOf("UGUAUA", StringComparison.Ordinal);
        var second = s.IndexOf("ACUAAC", StringComparison.Ordinal);
        var value = (first >= 0 ? 1.0 : 0) + (second >= 0 ? 0.5 : 0);
        if (first >= 0 && second >= first + 6) value += PairTerm(second - first - 6);
        return value;
    }

    [Fact]
    public async Task SpacingReportsThePairTermAtEachSpacing()
    {
        var backgrounds = RandomBackgrounds(20, 5, "CG");
        var gia = Analysis(new ClosedFormEvaluator(Length, SpacingModel), backgrounds);
        int[] spacings = [0, 1, 3, 7, 10];
        var spacing = await gia.SpacingAsync("UGUAUA", 2, "ACUAAC", spacings, TestContext.Current.CancellationToken);
        Assert.Equal(1.0, spacing.FirstAlone.Mean, 1e-9);
        Assert.Equal(spacings, spacing.Points.Select(p => p.Spacing));
        foreach (var point in spacing.Points)
        {
            Assert.Equal(8 + point.Spacing, point.SecondPosition);
            Assert.Equal(0.5, point.SecondAlone.Mean, 1e-9);
            Assert.Equal(1.5 + PairTerm(point.Spacing), point.Both.Mean, 1e-5);
            Assert.Equal(PairTerm(point.Spacing), point.Interaction, 1e-5);
        }
        var e = await Assert.ThrowsAsync<ArgumentException>(() =>
            gia.SpacingAsync("UGUAUA", 2, "ACUAAC", [17], TestContext.Current.CancellationToken));
        Assert.Contains("'ACUAAC'", e.Message);
        Assert.Contains("25", e.Message);
        Assert.Contains("30", e.Message);
    }

    [Fact]
    public async Task MutationScanMatchesExplicitVariants()
    {
        var backgrounds = RandomBackgrounds(120, 6);
        var gia = Analysis(new ClosedFormEvaluator(Length, Oracle.MotifModel, batchSize: 100), backgrounds);
        var strings = Oracle.Strings(backgrounds);
        foreach (var pattern in new[] { "UGUAUA", "UGNAUA" })
        {
            var scan = await gia.MutationScanAsync(pattern, 10, TestContext.Current.CancellationToken);
            var reference = Oracle.Importance(strings, b => Oracle.Embed(b, pattern, 10), Oracle.MotifModel);
            Assert.Equal(reference.Mean, scan.PatternImportance.Mean, 1e-9);
            for (var j = 0; j < pattern.Length; j++)
                for (var b = 0; b < 4; b++)
                {
                    if (NucleotideCodes.Letters[b] == pattern[j])
                    {
                        Assert.Equal(0, scan.Delta[b][j]);
                        continue;
                    }
                    var variant = pattern[..j] + NucleotideCodes.Letters[b] + pattern[(j + 1)..];
                    var explicitVariant = Oracle.Importance(strings, s => Oracle.Embed(s, variant, 10), Oracle.MotifModel);
                    Assert.Equal(explicitVariant.Mean - reference.Mean, scan.Delta[b][j], 1e-9);
                    var differences = explicitVariant.Effects.Zip(reference.Effects, (v, r) => v - r).ToArray();
                    var mean = differences.Average();
                    var error = Math.Sqrt(differences.Sum(d => (d - mean) * (d - mean)) / (differences.Length - 1) / differences.Length);
                    Assert.Equal(error, scan.StandardError[b][j], 1e-6);
                }
        }
        // Breaking UGUAUA anywhere costs about its weight of 2.
        var full = await gia.MutationScanAsync("UGUAUA", 10, TestContext.Current.CancellationToken);
        Assert.True(full.Delta[1][0] < -1.5, $"U1C costs {full.Delta[1][0]}");
        Assert.False(full.Result.HasLocalEffects);
    }

    private static bool Pairs(char a, char b) => (a, b) is ('A', 'U') or ('U', 'A') or ('G', 'C') or ('C', 'G');

    [Fact]
    public void HairpinDesignsHavePairedArmsAndThePatternWhereAsked()
    {
        var layout = HairpinLayout.Around("UGUAUA", 20, stemLength: 8, loopLength: 10, sequenceLength: 60, new Random(3));
        Assert.Equal(10, layout.Start);
        Assert.Equal(36, layout.End);
        Assert.Equal(20, layout.LoopPatternPosition);
        Assert.Equal(11, layout.StemPatternPosition);
        foreach (var design in new[] { layout.Design(), layout.DesignWithPatternInLoop("UGUAUA"), layout.DesignWithPatternInStem("UGUAUA") })
        {
            Assert.Equal(26, design.Length);
            for (var i = 0; i < 8; i++) Assert.True(Pairs(design[i], design[25 - i]), $"{design}: {design[i]}·{design[25 - i]} at arm position {i}");
        }
        Assert.Equal("NNNNNNNNNN", layout.Design()[8..18]);
        Assert.Equal("NNUGUAUANN", layout.DesignWithPatternInLoop("UGUAUA")[8..18]);
        var stem = layout.DesignWithPatternInStem("UGUAUA");
        Assert.Equal("UGUAUA", stem[1..7]);
        Assert.Equal("UAUACA", stem[19..25]);
        Assert.Equal(layout.FivePrimeArm[0], stem[0]);

        var e = Assert.Throws<ArgumentException>(() => HairpinLayout.Around("UGUAUA", 5, 8, 10, 60, new Random(3)));
        Assert.Contains("'UGUAUA'", e.Message);
        Assert.Contains("position 5", e.Message);
        Assert.Contains("60", e.Message);
    }

    [Fact]
    public async Task HairpinAndGcContextConditionsMatchExplicitEmbedding()
    {
        // UGUAUA is worth 2, but only 0.5 when three of the four bases 5' of it are G or C.
        static double Model(string s)
        {
            var value = 0.0;
            for (var i = s.IndexOf("UGUAUA", StringComparison.Ordinal); i >= 0; i = s.IndexOf("UGUAUA", i + 1, StringComparison.Ordinal))
                value += i >= 4 && s[(i - 4)..i].Count(c => c is 'G' or 'C') >= 3 ? 0.5 : 2.0;
            return value + 0.01 * s.Count(c => c == 'U');
        }
        const int length = 50;
        var backgrounds = RandomBackgrounds(80, 7, length: length);
        var strings = Oracle.Strings(backgrounds);
        var gia = Analysis(new ClosedFormEvaluator(length, Model), backgrounds, new GiaOptions { Seed = 11 });

        var hairpin = await gia.HairpinContextAsync("UGUAUA", 22, 7, 8, TestContext.Current.CancellationToken);
        var layout = hairpin.Layout;
        var expected = new (ConditionImportance Actual, Func<string, string> Embed)[]
        {
            (hairpin.InLoop, s => Oracle.Embed(s, layout.DesignWithPatternInLoop("UGUAUA"), layout.Start)),
            (hairpin.InStem, s => Oracle.Embed(s, layout.DesignWithPatternInStem("UGUAUA"), layout.Start)),
            (hairpin.LoopPositionUnstructured, s => Oracle.Embed(s, "UGUAUA", layout.LoopPatternPosition)),
            (hairpin.StemPositionUnstructured, s => Oracle.Embed(s, "UGUAUA", layout.StemPatternPosition)),
            (hairpin.HairpinAlone, s => Oracle.Embed(s, layout.Design(), layout.Start)),
        };
        foreach (var (actual, embed) in expected)
            Assert.Equal(Oracle.Importance(strings, embed, Model).Mean, actual.Mean, 1e-9);
        Assert.Equal(22, layout.LoopPatternPosition);
        Assert.Equal(14, layout.Start);

        var gc = await gia.GcContextAsync("UGUAUA", 22, 5, GcBlockStyle.Random, TestContext.Current.CancellationToken);
        Assert.Matches("^[GC]{5}$", gc.Block);
        Assert.Equal(Oracle.Importance(strings, s => Oracle.Embed(s, "UGUAUA", 22), Model).Mean, gc.PatternAlone.Mean, 1e-9);
        Assert.Equal(Oracle.Importance(strings, s => Oracle.Embed(Oracle.Embed(s, gc.Block, 17), "UGUAUA", 22), Model).Mean, gc.FivePrime.Mean, 1e-9);
        Assert.Equal(Oracle.Importance(strings, s => Oracle.Embed(s, gc.Block, 17), Model).Mean, gc.FivePrimeBlockAlone.Mean, 1e-9);
        Assert.Equal(Oracle.Importance(strings, s => Oracle.Embed(Oracle.Embed(s, "UGUAUA", 22), gc.Block, 28), Model).Mean, gc.ThreePrime.Mean, 1e-9);
        Assert.Equal(Oracle.Importance(strings, s => Oracle.Embed(s, gc.Block, 28), Model).Mean, gc.ThreePrimeBlockAlone.Mean, 1e-9);
        // The 5' block silences most of the motif's weight; the 3' block does not.
        Assert.True(gc.FivePrime.Mean < gc.ThreePrime.Mean - 0.5, $"5' {gc.FivePrime.Mean}, 3' {gc.ThreePrime.Mean}");
        var again = await gia.GcContextAsync("UGUAUA", 22, 5, GcBlockStyle.Random, TestContext.Current.CancellationToken);
        Assert.Equal(gc.Block, again.Block);
        var alternating = await gia.GcContextAsync("UGUAUA", 22, 5, GcBlockStyle.Alternating, TestContext.Current.CancellationToken);
        Assert.Equal("GCGCG", alternating.Block);
    }

    [Fact]
    public async Task ResultsDoNotDependOnBatchLayout()
    {
        // Different batch sizes cut backgrounds into different blocks and reuse pooled rows differently; every
        // layout must give the same local effects, equal to explicit embedding.
        var backgrounds = RandomBackgrounds(37, 8);
        var strings = Oracle.Strings(backgrounds);
        float[]? first = null;
        foreach (var (batch, inFlight) in new[] { (1, 1), (7, 3), (40, 2), (100, 3), (5000, 3) })
        {
            var gia = Analysis(new ClosedFormEvaluator(Length, Oracle.MotifModel), backgrounds,
                new GiaOptions { BatchSize = batch, CallsInFlight = inFlight, KeepLocalEffects = true });
            var scan = await gia.KmerScanAsync(3, 14, TestContext.Current.CancellationToken);
            var byKmer = scan.Ranked.Select((c, i) => (c.Pattern!, i)).OrderBy(p => p.Item1, StringComparer.Ordinal)
                .SelectMany(p => scan.Result.LocalEffects(p.i).ToArray()).ToArray();
            first ??= byKmer;
            Assert.Equal(first, byKmer);
        }
        // Lexicographic order: k-mer 27 is "CGU".
        var explicitEffects = Oracle.Importance(strings, s => Oracle.Embed(s, "CGU", 14), Oracle.MotifModel).Effects;
        Assert.Equal(explicitEffects.Select(e => (float)e), first!.AsSpan(27 * 37, 37).ToArray(), (a, b) => Math.Abs(a - b) < 1e-5);
    }

    [Fact]
    public async Task TrackInputsTravelWithTheirBackground()
    {
        // raw = Σ_i region[i] · [base i is U]: the local effect uses the background's own region track.
        var region = new ModelInputShape("region", 1, Length);
        var evaluator = new ClosedFormEvaluator(Length,
            (codes, tracks) => codes.Select((c, i) => c == 3 ? tracks[0][i] : 0.0).Sum(), [region], batchSize: 16);
        var random = new Random(9);
        var sequences = Enumerable.Range(0, 40).Select(_ => NucleotideCodes.FromString(Oracle.RandomSequence(random, Length))).ToArray();
        var track = Enumerable.Range(0, 40 * Length).Select(_ => (float)random.NextDouble()).ToArray();
        var backgrounds = new BackgroundSet(sequences, [region], [track]);
        var gia = Analysis(evaluator, backgrounds, new GiaOptions { KeepLocalEffects = true, BatchSize = 16 });
        var result = await gia.PositionalScanAsync(["UUU"], [0, 5, 27], TestContext.Current.CancellationToken);
        for (var p = 0; p < 3; p++)
        {
            var position = result.Positions[p];
            var local = result.LocalEffects(0, p);
            for (var x = 0; x < 40; x++)
            {
                var expected = Enumerable.Range(position, 3).Sum(i => sequences[x][i] == 3 ? 0 : track[x * Length + i]);
                Assert.Equal(expected, local[x], 1e-5);
            }
        }
    }

    [Fact]
    public async Task PositionsOutOfRangeNameThePatternThePositionAndTheLength()
    {
        var gia = Analysis(new ClosedFormEvaluator(Length, Oracle.MotifModel), RandomBackgrounds(5, 10));
        var ct = TestContext.Current.CancellationToken;
        var cases = new (Func<Task> Run, string Pattern, string Position)[]
        {
            (() => gia.EmbedAsync([new PatternPlacement("UGUAUA", 27)], ct), "'UGUAUA'", "position 27"),
            (() => gia.EmbedAsync([new PatternPlacement("ACU", -1)], ct), "'ACU'", "position -1"),
            (() => gia.KmerScanAsync(6, 25, ct), "'6-mers'", "position 25"),
            (() => gia.MutationScanAsync("UGUAUA", 26, ct), "'UGUAUA'", "position 26"),
            (() => gia.MultipleSitesAsync("UGUAUA", [0, 30], ct), "'UGUAUA'", "position 30"),
            (() => gia.PositionalScanAsync(["ACUAAC"], [3, 29], ct), "'ACUAAC'", "position 29"),
            (() => gia.GcContextAsync("ACUAAC", 2, 4, GcBlockStyle.Alternating, ct), "'ACUAAC'", "position 2"),
        };
        foreach (var (run, pattern, position) in cases)
        {
            var e = await Assert.ThrowsAsync<ArgumentException>(run);
            Assert.Contains(pattern, e.Message);
            Assert.Contains(position, e.Message);
            Assert.Contains("length 30", e.Message);
        }
        var letter = await Assert.ThrowsAsync<ArgumentException>(() => gia.EmbedAsync([new PatternPlacement("UGRA", 0)], ct));
        Assert.Contains("'R'", letter.Message);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => gia.KmerScanAsync(7, 0, ct));
    }

    [Fact]
    public async Task CancellationStopsAnExperiment()
    {
        var gia = Analysis(new ClosedFormEvaluator(Length, Oracle.MotifModel), RandomBackgrounds(20, 11));
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => gia.KmerScanAsync(4, 0, cts.Token));
    }

    /// <summary>Answers each call after a short delay and records how many calls overlap.</summary>
    private sealed class DelayedEvaluator(int length) : IModelEvaluator
    {
        private int _running;
        private int _maxRunning;
        private long _rows;

        public IReadOnlyList<ModelInputShape> Inputs { get; } = [new("sequence", 4, length)];
        public int OutputColumns => 1;
        public int PreferredBatchSize => 2048;
        public int MaxRunning => _maxRunning;
        public long Rows => Interlocked.Read(ref _rows);

        public async Task<float[]> PredictAsync(IReadOnlyList<float[]> inputs, int rows, CancellationToken cancellationToken)
        {
            var running = Interlocked.Increment(ref _running);
            InterlockedMax(ref _maxRunning, running);
            Interlocked.Add(ref _rows, rows);
            try
            {
                // Cheap model: 1 per U at position 12 or 13, read straight from the U channel.
                var one = inputs[0];
                var raw = new float[rows];
                for (var r = 0; r < rows; r++)
                    raw[r] = one[r * 4 * length + 3 * length + 12] + one[r * 4 * length + 3 * length + 13];
                await Task.Delay(1, cancellationToken);
                return raw;
            }
            finally
            {
                Interlocked.Decrement(ref _running);
            }
        }

        public Task<(float[][] Gradients, float[] Raw)> GradientAsync(IReadOnlyList<float[]> inputs, float[] outputWeights, int rows,
            CancellationToken cancellationToken) => throw new NotSupportedException();

        private static void InterlockedMax(ref int target, int value)
        {
            for (var current = target; value > current; current = target)
                if (Interlocked.CompareExchange(ref target, value, current) == current) return;
        }
    }

    [Fact]
    public async Task SixMerScanVisitsEveryRowOnceWithCallsInFlight()
    {
        var evaluator = new DelayedEvaluator(Length);
        var backgrounds = RandomBackgrounds(200, 12);
        var scan = await Analysis(evaluator, backgrounds).KmerScanAsync(6, 10, TestContext.Current.CancellationToken);
        Assert.Equal(4096L * 200 + 200, evaluator.Rows);
        Assert.InRange(evaluator.MaxRunning, 2, 3);
        // k-mers with U at offsets 2 and 3 (positions 12, 13) gain what the background lacked there.
        Assert.Equal("AAUUAA", scan.Ranked[0].Pattern);
        var expected = 2 - Enumerable.Range(0, 200).Average(x => (backgrounds.Sequence(x)[12] == 3 ? 1 : 0) + (backgrounds.Sequence(x)[13] == 3 ? 1 : 0));
        Assert.Equal(expected, scan.Ranked[0].Mean, 1e-9);
    }
}
