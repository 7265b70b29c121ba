using RbpPipeline.Interpretation.Backgrounds;
using RbpPipeline.Interpretation.Sequences;
using RbpPipeline.Interpretation.Tests.Gia;

namespace RbpPipeline.Interpretation.Tests.Backgrounds;

public sealed class BackgroundTests
{
    private const int Length = 12;

    /// <summary>
    /// A reference set of 40 records whose base counts per position are set by design: position i holds A, C, G, U
    /// in the counts <see cref="DesignedCounts"/>(i), dealt to records in a random order. Track row r is r in every
    /// column, so a background's track names its source record.
    /// </summary>
    private static (BackgroundSet Set, int[][] Counts) DesignedReference(int seed)
    {
        var random = new Random(seed);
        var counts = Enumerable.Range(0, Length).Select(DesignedCounts).ToArray();
        var sequences = Enumerable.Range(0, 40).Select(_ => new byte[Length]).ToArray();
        for (var i = 0; i < Length; i++)
        {
            var column = counts[i].SelectMany((n, b) => Enumerable.Repeat((byte)b, n)).ToArray();
            random.Shuffle(column);
            for (var r = 0; r < 40; r++) sequences[r][i] = column[r];
        }
        var shape = new ModelInputShape("region", 1, Length);
        var track = Enumerable.Range(0, 40).SelectMany(r => Enumerable.Repeat((float)r, Length)).ToArray();
        return (new BackgroundSet(sequences, [shape], [track]), counts);
    }

    private static int[] DesignedCounts(int position) => (position % 4) switch
    {
        0 => [40, 0, 0, 0],
        1 => [10, 10, 10, 10],
        2 => [2, 6, 12, 20],
        _ => [0, 30, 0, 10],
    };

    [Fact]
    public void ProfileSamplesMatchThePositionProfileWithinSamplingError()
    {
        var (reference, counts) = DesignedReference(1);
        var profile = new ProfileBackgrounds(reference);
        for (var i = 0; i < Length; i++)
            for (var b = 0; b < 4; b++)
                Assert.Equal(counts[i][b] / 40.0, profile.Frequencies[i][b], 1e-12);

        const int n = 5000;
        var samples = profile.Generate(n, seed: 2);
        Assert.Equal(n, samples.Count);
        for (var i = 0; i < Length; i++)
            for (byte b = 0; b < 4; b++)
            {
                var p = counts[i][b] / 40.0;
                var observed = Enumerable.Range(0, n).Count(r => samples.Sequence(r)[i] == b);
                var sigma = Math.Sqrt(n * p * (1 - p));
                Assert.InRange(observed, n * p - 4 * sigma, n * p + 4 * sigma);
            }
        // Tracks come whole from some reference record, and many different ones are used.
        var sources = Enumerable.Range(0, n).Select(r => samples.TrackRow(0, r).ToArray()).ToArray();
        Assert.All(sources, row => Assert.All(row, v => Assert.Equal(row[0], v)));
        Assert.Equal(40, sources.Select(row => row[0]).Distinct().Count());
    }

    [Fact]
    public void ShuffledBackgroundsKeepTheCompositionOfTheirSourceRecord()
    {
        var (reference, _) = DesignedReference(3);
        foreach (var dinucleotide in new[] { false, true })
        {
            var backgrounds = new ShuffledBackgrounds(reference, dinucleotide).Generate(300, seed: 4);
            var moved = 0;
            for (var r = 0; r < backgrounds.Count; r++)
            {
                var source = reference.Sequence((int)backgrounds.TrackRow(0, r)[0]);
                var shuffled = backgrounds.Sequence(r);
                Assert.Equal(Composition(source, dinucleotide), Composition(shuffled, dinucleotide));
                if (!source.SequenceEqual(shuffled)) moved++;
            }
            Assert.True(moved > 200, $"only {moved} of 300 shuffles changed their sequence");
        }
    }

    private static int[] Composition(ReadOnlySpan<byte> codes, bool dinucleotide)
    {
        var counts = new int[dinucleotide ? 25 : 5];
        if (!dinucleotide) foreach (var c in codes) counts[c]++;
        else for (var i = 0; i + 1 < codes.Length; i++) counts[codes[i] * 5 + codes[i + 1]]++;
        return counts;
    }

    [Fact]
    public void GenerationIsReproducibleWithASeed()
    {
        var (reference, _) = DesignedReference(5);
        BackgroundSource[] sources =
        [
            new ProfileBackgrounds(reference),
            new ShuffledBackgrounds(reference, false),
            new ShuffledBackgrounds(reference, true),
            QuartileBackgrounds.ByScore(reference, [.. Enumerable.Range(0, 40).Select(i => (double)i)], 2),
        ];
        foreach (var source in sources)
        {
            var a = source.Generate(50, seed: 6);
            var b = source.Generate(50, seed: 6);
            var c = source.Generate(50, seed: 7);
            Assert.Equal(a.OneHot(), b.OneHot());
            Assert.Equal(a.TrackRow(0, 17).ToArray(), b.TrackRow(0, 17).ToArray());
            Assert.NotEqual(a.OneHot(), c.OneHot());
        }
    }

    [Fact]
    public async Task QuartilesHoldTheRightRecords()
    {
        var random = new Random(8);
        var reference = BackgroundSet.FromStrings([.. Enumerable.Range(0, 20).Select(_ => Oracle.RandomSequence(random, Length))]);
        // Scores: a known permutation; quartile 4 is the five highest.
        var scores = Enumerable.Range(0, 20).Select(i => (double)((i * 7) % 20)).ToArray();
        var top = QuartileBackgrounds.ByScore(reference, scores, 4);
        var expectedTop = Enumerable.Range(0, 20).Where(i => scores[i] >= 15).ToHashSet();
        Assert.Equal(expectedTop, top.Members.ToHashSet());

        // Five draws are the five members once each; twelve draws use each two or three times.
        var five = top.Generate(5, seed: 1);
        var fiveSequences = Enumerable.Range(0, 5).Select(r => NucleotideCodes.ToString(five.Sequence(r))).Order();
        Assert.Equal(expectedTop.Select(i => NucleotideCodes.ToString(reference.Sequence(i))).Order(), fiveSequences);
        var twelve = top.Generate(12, seed: 1);
        var uses = Enumerable.Range(0, 12).GroupBy(r => NucleotideCodes.ToString(twelve.Sequence(r))).Select(g => g.Count()).ToArray();
        Assert.Equal(5, uses.Length);
        Assert.All(uses, u => Assert.InRange(u, 2, 3));

        // By prediction: the model counts G, so quartile 1 has the fewest G.
        var evaluator = new ClosedFormEvaluator(Length, s => s.Count(c => c == 'G'));
        var low = await QuartileBackgrounds.ByPredictionAsync(reference, 1, evaluator, Oracle.RawTarget, TestContext.Current.CancellationToken);
        var gCounts = Enumerable.Range(0, 20).Select(i => NucleotideCodes.ToString(reference.Sequence(i)).Count(c => c == 'G')).ToArray();
        var fifthLowest = gCounts.Order().ElementAt(4);
        Assert.Equal(5, low.Members.Count);
        Assert.All(low.Members, m => Assert.True(gCounts[m] <= fifthLowest));
        Assert.Equal(gCounts.Select(c => (double)c), low.Scores);
    }

    [Fact]
    public async Task PercentileFilterKeepsPredictionsWithinTheBounds()
    {
        var (reference, _) = DesignedReference(9);
        var source = new ProfileBackgrounds(reference);
        static double Model(string s) => s.Count(c => c is 'G' or 'U') + 0.001 * s.IndexOf('C');
        var evaluator = new ClosedFormEvaluator(Length, (codes, _) => Model(NucleotideCodes.ToString(codes)), [new ModelInputShape("region", 1, Length)]);
        var filtered = await PredictionFilter.FilterAsync(source, 200, 0, 50, new Random(10), evaluator, Oracle.RawTarget, null,
            TestContext.Current.CancellationToken);

        // The bounds are the 0th and 50th percentiles of the first pool, which the same seed reproduces.
        var pool = source.Draw(200, new Random(10));
        var poolScores = Enumerable.Range(0, 200).Select(r => (double)(float)Model(NucleotideCodes.ToString(pool.Sequence(r)))).Order().ToArray();
        Assert.Equal(poolScores[0], filtered.LowerBound, 1e-12);
        Assert.Equal((poolScores[99] + poolScores[100]) / 2, filtered.UpperBound, 1e-12);
        Assert.Equal(200, filtered.Kept);
        Assert.True(filtered.CandidatesDrawn > 300, $"{filtered.CandidatesDrawn} candidates drawn for a 50 % window");
        for (var r = 0; r < filtered.Kept; r++)
        {
            var score = (float)Model(NucleotideCodes.ToString(filtered.Backgrounds.Sequence(r)));
            Assert.Equal(score, filtered.Scores[r], 1e-6);
            Assert.InRange(score, filtered.LowerBound, filtered.UpperBound);
        }
        Assert.Contains("kept 200 of", filtered.Describe());

        // A cap too small to fill the request is reported, not exceeded.
        var capped = await PredictionFilter.FilterAsync(source, 100, 0, 5, new Random(11), evaluator, Oracle.RawTarget, 150,
            TestContext.Current.CancellationToken);
        Assert.Equal(150, capped.CandidatesDrawn);
        Assert.True(capped.Kept < 100);
        Assert.Contains("cap", capped.Describe());

        // A fixed (custom) set is filtered without drawing more.
        var fixedSet = await PredictionFilter.FilterAsync(pool, 25, 75, evaluator, Oracle.RawTarget, TestContext.Current.CancellationToken);
        Assert.All(fixedSet.Scores, s => Assert.InRange(s, fixedSet.LowerBound, fixedSet.UpperBound));
        Assert.Equal(200, fixedSet.CandidatesDrawn);
        Assert.InRange(fixedSet.Kept, 90, 140);
    }

    [Fact]
    public void PercentilesInterpolateBetweenOrderStatistics()
    {
        double[] values = [5, 1, 3, 2, 4];
        Assert.Equal(1, PredictionFilter.Percentile(values, 0));
        Assert.Equal(3, PredictionFilter.Percentile(values, 50));
        Assert.Equal(3.5, PredictionFilter.Percentile(values, 62.5), 1e-12);
        Assert.Equal(5, PredictionFilter.Percentile(values, 100));
    }

    [Fact]
    public void OneHotBatchesAndShapeChecks()
    {
        var set = BackgroundSet.FromStrings(["ACGUN", "UUGCA"]);
        var oneHot = set.OneHot();
        var expected = new float[40];
        NucleotideCodes.WriteOneHot(NucleotideCodes.FromString("ACGUN"), expected.AsSpan(0, 20));
        NucleotideCodes.WriteOneHot(NucleotideCodes.FromString("UUGCA"), expected.AsSpan(20, 20));
        Assert.Equal(expected, oneHot);
        Assert.Equal(expected[20..], set.CreateInputs(1, 1)[0]);

        var model = new ClosedFormEvaluator(6, _ => 0);
        var e = Assert.Throws<ArgumentException>(() => set.CheckFits(model));
        Assert.Contains("length 5", e.Message);
        var withTrack = new ClosedFormEvaluator(5, (_, _) => 0, [new ModelInputShape("region", 2, 5)]);
        Assert.Throws<ArgumentException>(() => set.CheckFits(withTrack));
        Assert.Throws<ArgumentException>(() => BackgroundSet.FromStrings(["ACG", "AC"]));
        Assert.Equal(["UUGCA", "ACGUN", "UUGCA"], Enumerable.Range(0, 3).Select(i =>
            NucleotideCodes.ToString(BackgroundSet.Concatenate([set.Select([1, 0]), set.Select([1])]).Sequence(i))));
    }

    [Fact]
    public async Task FactoryMakesEachKindFromASpec()
    {
        var (reference, _) = DesignedReference(12);
        var evaluator = new ClosedFormEvaluator(Length, (codes, _) => codes.Count(c => c == 2), [new ModelInputShape("region", 1, Length)]);
        var ct = TestContext.Current.CancellationToken;

        var custom = await BackgroundFactory.CreateAsync(new BackgroundSpec(BackgroundKind.Custom), reference, evaluator, Oracle.RawTarget, ct);
        Assert.Same(reference, custom.Backgrounds);

        var profile = await BackgroundFactory.CreateAsync(new BackgroundSpec { Count = 30, Seed = 4 }, reference, evaluator, Oracle.RawTarget, ct);
        Assert.Equal(new ProfileBackgrounds(reference).Generate(30, 4).OneHot(), profile.Backgrounds.OneHot());

        // Quartile 4 by prediction (G count): every drawn record is one of the ten with the most G.
        var quartile = await BackgroundFactory.CreateAsync(new BackgroundSpec(BackgroundKind.Quartile) { Quartile = 4, Count = 10 },
            reference, evaluator, Oracle.RawTarget, ct);
        var gCounts = Enumerable.Range(0, 40).Select(i => reference.Sequence(i).ToArray().Count(c => c == 2)).ToArray();
        var tenthHighest = gCounts.OrderDescending().ElementAt(9);
        Assert.All(Enumerable.Range(0, 10), r => Assert.True(gCounts[(int)quartile.Backgrounds.TrackRow(0, r)[0]] >= tenthHighest));
        Assert.Contains(quartile.Notes, n => n.Contains("by prediction"));

        var filtered = await BackgroundFactory.CreateAsync(new BackgroundSpec(BackgroundKind.DinucleotideShuffle) { Count = 20, MaxPercentile = 50 },
            reference, evaluator, Oracle.RawTarget, ct);
        Assert.NotNull(filtered.Filter);
        Assert.Equal(20, filtered.Backgrounds.Count);
        Assert.All(filtered.Filter.Scores, s => Assert.True(s <= filtered.Filter.UpperBound));
        Assert.Contains(filtered.Notes, n => n.StartsWith("kept 20 of", StringComparison.Ordinal));
    }
}
