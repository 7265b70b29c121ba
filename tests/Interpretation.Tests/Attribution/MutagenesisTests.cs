using RbpPipeline.Interpretation.Attribution;
using RbpPipeline.Interpretation.Sequences;

namespace RbpPipeline.Interpretation.Tests.Attribution;

public sealed class MutagenesisTests
{
    private const int L = Fixtures.Length;

    [Fact]
    public async Task DeltasAreExplicitPredictionsOfEveryMutantLessTheReference()
    {
        var model = Fixtures.Nonlinear(seed: 7);
        var evaluator = new ClosedFormEvaluator(model, batchSize: 9);
        var target = Fixtures.RawTarget(1f, -1f, 0.25f);
        var (sequences, codes) = Fixtures.Sequences(rows: 2, seed: 19, unknownInRowZero: [4]);
        var region = Fixtures.Tracks(2, 20);
        var result = await new InSilicoMutagenesis(evaluator, target).ScanAsync([sequences, region], 2, window: null, CancellationToken.None);
        Assert.Equal(2 + 2 * 3 * L + 1, evaluator.PredictRows); // references, 3 substitutions a position, a 4th at the N

        for (var r = 0; r < 2; r++)
        {
            var row = result[r];
            Assert.Equal(0, row.WindowStart);
            Assert.Equal(L, row.WindowLength);
            var reference = await PredictAsync(evaluator, sequences.AsSpan(r * 4 * L, 4 * L).ToArray(), region.AsSpan(r * 2 * L, 2 * L).ToArray());
            Assert.Equal(reference, row.ReferenceRaw);
            Assert.Equal(reference[0] - reference[1] + 0.25 * reference[2], row.ReferenceScore, 1e-6);
            for (var l = 0; l < L; l++)
            {
                for (var c = 0; c < 4; c++)
                {
                    var e = c * L + l;
                    if (c == codes[r][l])
                    {
                        Assert.Equal(0f, row.TargetDeltas[e]);
                        for (var column = 0; column < 3; column++) Assert.Equal(0f, row.RawDeltas[column * 4 * L + e]);
                        continue;
                    }
                    var mutant = sequences.AsSpan(r * 4 * L, 4 * L).ToArray();
                    for (var b = 0; b < 4; b++) mutant[b * L + l] = b == c ? 1 : 0;
                    var raw = await PredictAsync(evaluator, mutant, region.AsSpan(r * 2 * L, 2 * L).ToArray());
                    for (var column = 0; column < 3; column++)
                        Assert.Equal(raw[column] - reference[column], row.RawDeltas[column * 4 * L + e], 1e-6);
                    var delta = (raw[0] - raw[1] + 0.25 * raw[2]) - (reference[0] - reference[1] + 0.25 * reference[2]);
                    Assert.Equal(delta, row.TargetDeltas[e], 1e-5);
                    Assert.NotEqual(0f, row.TargetDeltas[e]);
                }
                var height = Math.Sqrt(Enumerable.Range(0, 4).Sum(c => (double)row.TargetDeltas[c * L + l] * row.TargetDeltas[c * L + l]));
                Assert.Equal(height, row.Heights[l], 1e-6);
            }
        }
        Assert.Equal(NucleotideCodes.Unknown, codes[0][4]);
        Assert.All(Enumerable.Range(0, 4), c => Assert.NotEqual(0f, result[0].TargetDeltas[c * L + 4]));
    }

    [Fact]
    public async Task AWindowScansOnlyItsPositionsWithTheSameValues()
    {
        var model = Fixtures.Nonlinear(seed: 9);
        var target = Fixtures.ProbabilityTarget();
        var inputs = Fixtures.Inputs(rows: 3, seed: 29);
        var full = await new InSilicoMutagenesis(new ClosedFormEvaluator(model, 16), target).ScanAsync(inputs, 3, null, CancellationToken.None);

        var evaluator = new ClosedFormEvaluator(model, 16);
        var window = await new InSilicoMutagenesis(evaluator, target).ScanAsync(inputs, 3, new PositionWindow(5, 3), CancellationToken.None);
        Assert.Equal(3 * (1 + 3 * 3), evaluator.PredictRows);
        for (var r = 0; r < 3; r++)
        {
            Assert.Equal(5, window[r].WindowStart);
            Assert.Equal(3, window[r].WindowLength);
            Assert.Equal(full[r].ReferenceRaw, window[r].ReferenceRaw);
            for (var l = 0; l < 3; l++)
            {
                Assert.Equal(full[r].Heights[5 + l], window[r].Heights[l]);
                for (var c = 0; c < 4; c++)
                {
                    Assert.Equal(full[r].TargetDeltas[c * L + 5 + l], window[r].TargetDeltas[c * 3 + l]);
                    for (var column = 0; column < 3; column++)
                        Assert.Equal(full[r].RawDeltas[column * 4 * L + c * L + 5 + l], window[r].RawDeltas[column * 12 + c * 3 + l]);
                }
            }
        }

        var one = await new InSilicoMutagenesis(new ClosedFormEvaluator(model, 16), target).ScanAsync(inputs, 3, new PositionWindow(L - 1, 1), CancellationToken.None);
        Assert.All(one, row => Assert.Single(row.Heights));
    }

    [Theory]
    [InlineData(-1, 2)]
    [InlineData(10, 3)]
    [InlineData(0, 0)]
    public async Task AWindowOutsideTheSequenceIsRejected(int start, int length)
    {
        var ism = new InSilicoMutagenesis(new ClosedFormEvaluator(Fixtures.Linear(), 4), Fixtures.RawTarget(1f, 0f));
        var error = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() =>
            ism.ScanAsync(Fixtures.Inputs(1, 1), 1, new PositionWindow(start, length), CancellationToken.None));
        Assert.Contains("'sequence' of length 12", error.Message);
    }

    private static Task<float[]> PredictAsync(IModelEvaluator evaluator, float[] sequence, float[] region) =>
        evaluator.PredictAsync([sequence, region], 1, CancellationToken.None);
}
