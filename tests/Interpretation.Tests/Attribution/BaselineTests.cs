using RbpPipeline.Interpretation.Attribution;
using RbpPipeline.Interpretation.Sequences;

namespace RbpPipeline.Interpretation.Tests.Attribution;

/// <summary>
/// Baselines observed as the model sees them: with the left Riemann rule and one step the only path point of each
/// (row, baseline) pair is the baseline itself, so the evaluator's recorded points are the baselines in order.
/// </summary>
public sealed class BaselineTests
{
    private const int L = Fixtures.Length;

    private static async Task<List<double[][]>> BaselinePointsAsync(IReadOnlyList<float[]> inputs, int rows, AttributionBaselines baselines,
        ClosedFormModel? model = null, IReadOnlyList<ModelInputShape>? shapes = null)
    {
        var recorded = new List<double[][]>();
        var evaluator = new ClosedFormEvaluator(model ?? Fixtures.Linear(), batchSize: 5) { RecordedGradientPoints = recorded };
        var target = Fixtures.RawTarget(1f, 0f);
        // One call at a time keeps the recording in point order.
        var ig = new IntegratedGradients(evaluator, target, new() { Rule = IntegrationRule.RiemannLeft, Steps = 1, MaxCallsInFlight = 1 });
        await ig.ExplainAsync(inputs, rows, baselines, CancellationToken.None);
        return recorded;
    }

    [Fact]
    public async Task ZerosUniformAndFrequencyBaselinesHoldTheirValuesEverywhere()
    {
        var inputs = Fixtures.Inputs(rows: 2, seed: 1);
        var uniform = await BaselinePointsAsync(inputs, 2, new AttributionBaselines(Baseline.Uniform)
        {
            Others = new Dictionary<string, Baseline> { ["region"] = Baseline.Uniform },
        });
        Assert.Equal(2, uniform.Count);
        Assert.All(uniform, p => Assert.All(p[0], v => Assert.Equal(0.25, v)));
        Assert.All(uniform, p => Assert.All(p[1], v => Assert.Equal(0.5, v)));

        var gap = await BaselinePointsAsync(inputs, 2, new AttributionBaselines(Baseline.Frequencies([0.3f, 0.2f, 0.2f, 0.3f])));
        var expectedGap = new[] { 0.3f, 0.2f, 0.2f, 0.3f }.SelectMany(f => Enumerable.Repeat((double)f, L)).ToArray();
        Assert.All(gap, p => Assert.Equal(expectedGap, p[0]));
        Assert.All(gap, p => Assert.All(p[1], v => Assert.Equal(0.0, v))); // other inputs default to zeros

        var zeros = await BaselinePointsAsync(inputs, 2, AttributionBaselines.Zeros);
        Assert.All(zeros, p => Assert.All(p.SelectMany(v => v), v => Assert.Equal(0.0, v)));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ShufflesKeepTheCompositionAndDinucleotideShufflesTheDinucleotideCounts(bool dinucleotide)
    {
        const int rows = 3, count = 4, length = 40;
        IReadOnlyList<ModelInputShape> shapes = [new("sequence", 4, length)];
        var model = new LinearModel(shapes, ClosedFormModel.RandomWeights(shapes, 2, 3, 0.5), [0, 0]);
        var (sequences, codes) = Fixtures.Sequences(rows, seed: 8, length, unknownInRowZero: [3, 17]);
        Baseline Make(int seed) => dinucleotide ? Baseline.DinucleotideShuffles(count, seed) : Baseline.Shuffles(count, seed);

        var points = await BaselinePointsAsync([sequences], rows, new AttributionBaselines(Make(5)), model);
        Assert.Equal(rows * count, points.Count);
        for (var r = 0; r < rows; r++)
        {
            var shuffles = points.Skip(r * count).Take(count).Select(p => ToCodes(p[0], length)).ToList();
            foreach (var shuffled in shuffles)
            {
                Assert.Equal(Composition(codes[r]), Composition(shuffled));
                if (dinucleotide) Assert.Equal(Dinucleotides(codes[r]), Dinucleotides(shuffled));
                Assert.NotEqual(codes[r], shuffled);
            }
            Assert.Equal(count, shuffles.Select(s => NucleotideCodes.ToString(s)).Distinct().Count());
        }

        var again = await BaselinePointsAsync([sequences], rows, new AttributionBaselines(Make(5)), model);
        Assert.Equal(points.Select(p => p[0]), again.Select(p => p[0]));
        var otherSeed = await BaselinePointsAsync([sequences], rows, new AttributionBaselines(Make(6)), model);
        Assert.NotEqual(points.Select(p => p[0]), otherSeed.Select(p => p[0]));
    }

    [Fact]
    public async Task ShufflesCarryTheInputsEncodingOfNColumns()
    {
        var (sequences, codes) = Fixtures.Sequences(rows: 1, seed: 2, unknownInRowZero: [1, 6]);
        foreach (var p in new[] { 1, 6 }) for (var c = 0; c < 4; c++) sequences[c * L + p] = 0.25f;
        var points = await BaselinePointsAsync([sequences, Fixtures.Tracks(1, 3)], 1, new AttributionBaselines(Baseline.Shuffles(3, seed: 1)));
        foreach (var point in points)
        {
            var columns = Enumerable.Range(0, L).Select(l => Enumerable.Range(0, 4).Select(c => point[0][c * L + l]).ToArray()).ToList();
            Assert.Equal(2, columns.Count(column => column.All(v => v == 0.25)));
            Assert.Equal(L - 2, columns.Count(column => column.Sum() == 1 && column.Max() == 1));
        }
    }

    [Fact]
    public async Task TheLowestScoringBaselineIsTheMeanOfTheLowestScoringReferenceRows()
    {
        // Column 0 counts the G's of the sequence: reference row with score s has G at positions 0..s−1 and A elsewhere,
        // and a region track filled with s. The three lowest score 0, 1 and 2.
        var w = ClosedFormModel.RandomWeights(Fixtures.Shapes, 2, 1, 0);
        for (var l = 0; l < L; l++) w[0][0][2 * L + l] = 1;
        var model = new LinearModel(Fixtures.Shapes, w, [0, 0]);
        int[] order = [5, 2, 7, 0, 3, 1, 6, 4];
        var referenceSequences = new float[order.Length * 4 * L];
        var referenceRegion = new float[order.Length * 2 * L];
        for (var i = 0; i < order.Length; i++)
        {
            var s = order[i];
            var codes = Enumerable.Range(0, L).Select(l => (byte)(l < s ? 2 : 0)).ToArray();
            NucleotideCodes.WriteOneHot(codes, referenceSequences.AsSpan(i * 4 * L, 4 * L));
            referenceRegion.AsSpan(i * 2 * L, 2 * L).Fill(s);
        }
        var lowest = Baseline.LowestScoring([referenceSequences, referenceRegion], order.Length, count: 3);
        var points = await BaselinePointsAsync(Fixtures.Inputs(rows: 2, seed: 4), 2, new AttributionBaselines(lowest)
        {
            Others = new Dictionary<string, Baseline> { ["region"] = lowest },
        }, model);

        var expected = new double[4 * L];
        expected[0] = 1.0 / 3; // A at position 0 only in the row scoring 0
        expected[1] = 2.0 / 3; // A at position 1 in the rows scoring 0 and 1
        for (var l = 2; l < L; l++) expected[l] = 1;
        expected[2 * L + 0] = 2.0 / 3;
        expected[2 * L + 1] = 1.0 / 3;
        Assert.Equal(2, points.Count);
        foreach (var point in points)
        {
            Fixtures.Near(expected, point[0].Select(v => (float)v).ToArray(), 1e-7, "sequence baseline");
            Assert.All(point[1], v => Assert.Equal(1.0, v, 1e-7));
        }
    }

    private static byte[] ToCodes(double[] oneHot, int length)
    {
        var codes = new byte[length];
        NucleotideCodes.FromOneHot(oneHot.Select(v => (float)v).ToArray(), codes);
        return codes;
    }

    private static int[] Composition(byte[] codes) => [.. Enumerable.Range(0, 5).Select(c => codes.Count(v => v == c))];

    private static int[] Dinucleotides(byte[] codes)
    {
        var counts = new int[25];
        for (var i = 0; i + 1 < codes.Length; i++) counts[codes[i] * 5 + codes[i + 1]]++;
        return counts;
    }
}
