using RbpPipeline.Interpretation.Attribution;

namespace RbpPipeline.Interpretation.Tests.Attribution;

public sealed class SaliencyTests
{
    [Fact]
    public async Task SaliencyIsTheAnalyticGradientAndItsProductWithTheInput()
    {
        var model = Fixtures.Nonlinear(seed: 3);
        var target = Fixtures.RawTarget(1f, 0.5f, -2f);
        var inputs = Fixtures.Inputs(rows: 5, seed: 9, unknownInRowZero: [0]);
        var result = await new Saliency(new ClosedFormEvaluator(model, batchSize: 2), target).ComputeAsync(inputs, 5, CancellationToken.None);
        var weights = Fixtures.Weights(target);
        Assert.Equal(5, result.Count);
        for (var r = 0; r < 5; r++)
        {
            var x = Fixtures.Row(inputs, r);
            var g = model.Gradient(x, weights);
            for (var k = 0; k < 2; k++)
            {
                Fixtures.Near(g[k], result[r].Gradients[k], 1e-6, $"gradient row {r} input {k}");
                Fixtures.Near([.. g[k].Select((v, e) => v * x[k][e])], result[r].GradientTimesInput[k], 1e-6, $"gradient × input row {r} input {k}");
            }
            Assert.Equal(model.Raw(x).Select((v, c) => v * weights[c]).Sum(), result[r].Score, 1e-6);
        }
    }

    [Fact]
    public async Task AProbabilitySpaceSaliencyMatchesFiniteDifferencesOfTheProbabilities()
    {
        var model = Fixtures.Nonlinear(seed: 5);
        var inputs = Fixtures.Inputs(rows: 3, seed: 13);
        var result = await new Saliency(new ClosedFormEvaluator(model, batchSize: 2), Fixtures.ProbabilityTarget())
            .ComputeAsync(inputs, 3, CancellationToken.None);
        for (var r = 0; r < 3; r++)
        {
            var x = Fixtures.Row(inputs, r);
            var expected = Fixtures.FiniteDifferenceGradient(p => Fixtures.ProbabilityScore(model.Raw(p)), x);
            for (var k = 0; k < 2; k++) Fixtures.Near(expected[k], result[r].Gradients[k], 1e-6, $"row {r} input {k}");
            Assert.Equal(Fixtures.ProbabilityScore(model.Raw(x)), result[r].Score, 1e-6);
        }
    }
}
