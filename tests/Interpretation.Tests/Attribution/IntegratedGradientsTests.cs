using RbpPipeline.Interpretation.Attribution;

namespace RbpPipeline.Interpretation.Tests.Attribution;

public sealed class IntegratedGradientsTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    public static TheoryData<IntegrationRule> Rules => [.. Enum.GetValues<IntegrationRule>()];

    [Theory]
    [MemberData(nameof(Rules))]
    public async Task ALinearModelsAttributionIsTheInputDifferenceTimesItsWeightsForEveryRule(IntegrationRule rule)
    {
        var model = Fixtures.Linear();
        var evaluator = new ClosedFormEvaluator(model, batchSize: 7);
        var target = Fixtures.RawTarget(1f, -0.5f);
        var inputs = Fixtures.Inputs(rows: 3, seed: 5, unknownInRowZero: [4]);
        var regionBaseline = new[] { 0.3f, 0.6f };
        var baselines = new AttributionBaselines(Baseline.Uniform)
        {
            Others = new Dictionary<string, Baseline> { ["region"] = Baseline.Frequencies(regionBaseline) },
        };
        var b = new[]
        {
            Enumerable.Repeat(0.25, 4 * Fixtures.Length).ToArray(),
            Enumerable.Repeat(0.3, Fixtures.Length).Concat(Enumerable.Repeat(0.6, Fixtures.Length)).ToArray(),
        };
        foreach (var steps in new[] { 1, 7 })
        {
            var ig = new IntegratedGradients(evaluator, target, new IntegratedGradientsOptions { Rule = rule, Steps = steps });
            var result = await ig.ExplainAsync(inputs, 3, baselines, None);
            for (var r = 0; r < 3; r++)
            {
                var x = Fixtures.Row(inputs, r);
                for (var k = 0; k < 2; k++)
                {
                    var expected = x[k].Select((v, e) => (v - b[k][e]) * (model.W[0][k][e] - 0.5 * model.W[1][k][e])).ToArray();
                    Fixtures.Near(expected, result[r].Attributions[k], 1e-6, $"{rule}/{steps} row {r} input {k}");
                }
                var rawX = model.Raw(x);
                var rawB = model.Raw(b);
                Assert.Equal(rawX[0] - 0.5 * rawX[1], result[r].Score, 1e-5);
                Assert.Equal(rawB[0] - 0.5 * rawB[1], result[r].BaselineScore, 1e-5);
                Assert.True(Math.Abs(result[r].ConvergenceDelta) < 1e-5, $"{rule}/{steps}: delta {result[r].ConvergenceDelta}");
            }
        }
    }

    [Fact]
    public async Task GaussLegendreOnANonlinearModelIsCompleteAndMatchesAHighPrecisionIntegral()
    {
        var model = Fixtures.Nonlinear();
        var evaluator = new ClosedFormEvaluator(model, batchSize: 16);
        var target = Fixtures.RawTarget(1f, -0.5f, 0.8f);
        var inputs = Fixtures.Inputs(rows: 3, seed: 11, unknownInRowZero: [2, 9]);
        var sequenceBaseline = Enumerable.Range(0, 4 * Fixtures.Length).Select(e => (float)(0.1 + 0.05 * (e % 5))).ToArray();
        var baselines = new AttributionBaselines(Baseline.Custom([sequenceBaseline]));
        var result = await new IntegratedGradients(evaluator, target).ExplainAsync(inputs, 3, baselines, None);

        var b = Fixtures.Records(sequenceBaseline, new float[2 * Fixtures.Length]);
        var weights = Fixtures.Weights(target);
        for (var r = 0; r < 3; r++)
        {
            var x = Fixtures.Row(inputs, r);
            var expected = Fixtures.MidpointIntegral(x, b, p => model.Gradient(p, weights));
            for (var k = 0; k < 2; k++) Fixtures.Near(expected[k], result[r].Attributions[k], 2e-6, $"row {r} input {k}");
            var fx = model.Raw(x).Select((v, c) => v * weights[c]).Sum();
            var fb = model.Raw(b).Select((v, c) => v * weights[c]).Sum();
            Assert.Equal(fx, result[r].Score, 1e-6);
            Assert.Equal(fb, result[r].BaselineScore, 1e-6);
            Assert.True(Math.Abs(fx - fb) > 0.05, "the test needs a visible score difference");
            Assert.True(Math.Abs(result[r].ConvergenceDelta) <= 1e-6 * Math.Abs(fx - fb),
                $"row {r}: delta {result[r].ConvergenceDelta:R} for f(x) − f(b) = {fx - fb:R}");
        }
    }

    [Fact]
    public async Task AProbabilitySpaceTargetMatchesAFiniteDifferenceIntegral()
    {
        var model = Fixtures.Nonlinear(seed: 4);
        var evaluator = new ClosedFormEvaluator(model, batchSize: 32);
        var target = Fixtures.ProbabilityTarget();
        Assert.True(target.WeightsDependOnPoint);
        var inputs = Fixtures.Inputs(rows: 2, seed: 17);
        var result = await new IntegratedGradients(evaluator, target).ExplainAsync(inputs, 2, AttributionBaselines.Zeros, None);

        double Score(double[][] point) => Fixtures.ProbabilityScore(model.Raw(point));
        var b = Fixtures.Records(new float[4 * Fixtures.Length], new float[2 * Fixtures.Length]);
        for (var r = 0; r < 2; r++)
        {
            var x = Fixtures.Row(inputs, r);
            var expected = Fixtures.MidpointIntegral(x, b, p => Fixtures.FiniteDifferenceGradient(Score, p), steps: 400);
            for (var k = 0; k < 2; k++) Fixtures.Near(expected[k], result[r].Attributions[k], 2e-6, $"row {r} input {k}");
            Assert.Equal(Score(x), result[r].Score, 1e-6);
            Assert.Equal(Score(b), result[r].BaselineScore, 1e-6);
            Assert.True(Math.Abs(result[r].ConvergenceDelta) <= 1e-6 * Math.Abs(Score(x) - Score(b)), $"delta {result[r].ConvergenceDelta:R}");
        }
    }

    [Fact]
    public async Task TheEndScoresComeFromThePathWhenItsRuleHasThemAndFromOnePredictionOtherwise()
    {
        var inputs = Fixtures.Inputs(rows: 5, seed: 3);
        var target = Fixtures.RawTarget(1f, 1f);

        var trapezoid = new ClosedFormEvaluator(Fixtures.Linear(), batchSize: 8);
        await new IntegratedGradients(trapezoid, target, new() { Rule = IntegrationRule.Trapezoid, Steps = 10 })
            .ExplainAsync(inputs, 5, AttributionBaselines.Zeros, None);
        Assert.Equal(0, trapezoid.PredictRows);
        Assert.Equal(5 * 11, trapezoid.GradientRows);

        // Shared baselines are scored once for all rows; each row's input once.
        var gauss = new ClosedFormEvaluator(Fixtures.Linear(), batchSize: 8);
        var three = new AttributionBaselines(Baseline.Custom([new float[48], Enumerable.Repeat(0.25f, 48).ToArray(), new float[48]]));
        await new IntegratedGradients(gauss, target).ExplainAsync(inputs, 5, three, None);
        Assert.Equal(5 + 3, gauss.PredictRows);
        Assert.Equal(5 * 3 * 50, gauss.GradientRows);

        // Shuffles differ per row: every row's baselines are scored.
        var shuffled = new ClosedFormEvaluator(Fixtures.Linear(), batchSize: 8);
        await new IntegratedGradients(shuffled, target, new() { Rule = IntegrationRule.RiemannRight, Steps = 4 })
            .ExplainAsync(inputs, 5, new AttributionBaselines(Baseline.Shuffles(2, seed: 1)), None);
        Assert.Equal(5 * 2, shuffled.PredictRows);
        Assert.Equal(5 * 2 * 4, shuffled.GradientRows);
    }

    [Fact]
    public async Task SeveralBaselinesGiveTheMeanOfSingleBaselineRuns()
    {
        var model = Fixtures.Nonlinear(seed: 8);
        var evaluator = new ClosedFormEvaluator(model, batchSize: 13);
        var target = Fixtures.RawTarget(0.5f, 1f, -1f);
        var inputs = Fixtures.Inputs(rows: 3, seed: 23);
        var random = new Random(9);
        var records = Enumerable.Range(0, 3).Select(_ => Enumerable.Range(0, 48).Select(_ => (float)random.NextDouble()).ToArray()).ToArray();
        var region = Baseline.Frequencies([0.5f, 0.1f]);
        AttributionBaselines With(Baseline sequence) =>
            new(sequence) { Others = new Dictionary<string, Baseline> { ["region"] = region } };
        var ig = new IntegratedGradients(evaluator, target, new() { Steps = 20, Hypothetical = true });

        var combined = await ig.ExplainAsync(inputs, 3, With(Baseline.Custom(records)), None);
        var singles = new List<IReadOnlyList<IntegratedGradientsRow>>();
        foreach (var record in records) singles.Add(await ig.ExplainAsync(inputs, 3, With(Baseline.Custom([record])), None));

        for (var r = 0; r < 3; r++)
        {
            for (var k = 0; k < 2; k++)
            {
                var mean = Enumerable.Range(0, combined[r].Attributions[k].Length)
                    .Select(e => singles.Average(s => (double)s[r].Attributions[k][e])).ToArray();
                Fixtures.Near(mean, combined[r].Attributions[k], 1e-6, $"row {r} input {k}");
            }
            var hypothetical = Enumerable.Range(0, 48).Select(e => singles.Average(s => (double)s[r].Hypothetical![e])).ToArray();
            Fixtures.Near(hypothetical, combined[r].Hypothetical!, 1e-6, $"row {r} hypothetical");
            Assert.Equal(singles.Average(s => s[r].BaselineScore), combined[r].BaselineScore, 1e-9);
            Assert.Equal(singles[0][r].Score, combined[r].Score, 1e-12);
            Assert.Equal(singles.Average(s => s[r].ConvergenceDelta), combined[r].ConvergenceDelta, 1e-6);
            Assert.True(singles.Select(s => s[r].BaselineScore).Distinct().Count() == 3, "the baselines should score differently");
        }
    }

    [Fact]
    public async Task HypotheticalContributionsAtTheActualBaseSumTheAttributionsOfThePosition()
    {
        // h[t, l] = ḡ[t, l] − Σ_c ḡ[c, l]·b[c, l] and Σ_c (x − b)[c, l]·ḡ[c, l] agree when x[·, l] is the one-hot e_t.
        var model = Fixtures.Nonlinear(seed: 6);
        var evaluator = new ClosedFormEvaluator(model, batchSize: 64);
        var target = Fixtures.ProbabilityTarget();
        var (sequences, codes) = Fixtures.Sequences(rows: 3, seed: 31, unknownInRowZero: [5]);
        var inputs = new[] { sequences, Fixtures.Tracks(3, 32) };
        var ig = new IntegratedGradients(evaluator, target, new() { Hypothetical = true, Steps = 16 });
        var result = await ig.ExplainAsync(inputs, 3, new AttributionBaselines(Baseline.DinucleotideShuffles(3, seed: 2)), None);
        const int L = Fixtures.Length;
        for (var r = 0; r < 3; r++)
        {
            var h = result[r].Hypothetical!;
            var a = result[r].Attributions[0];
            Assert.Equal(4 * L, h.Length);
            for (var l = 0; l < L; l++)
            {
                if (codes[r][l] > 3) continue;
                var sum = a[l] + a[L + l] + a[2 * L + l] + a[3 * L + l];
                Assert.Equal(sum, h[codes[r][l] * L + l], 1e-6);
            }
            Assert.Contains(h, v => Math.Abs(v) > 1e-3);
        }
    }

    [Fact]
    public async Task HypotheticalContributionsOfALinearModelAreItsWeightsLessTheirBaselineMean()
    {
        var model = Fixtures.Linear(seed: 12);
        var evaluator = new ClosedFormEvaluator(model, batchSize: 10);
        var target = Fixtures.RawTarget(2f, 0f);
        var inputs = Fixtures.Inputs(rows: 2, seed: 41);
        var frequencies = new[] { 0.3f, 0.2f, 0.2f, 0.3f };
        var result = await new IntegratedGradients(evaluator, target, new() { Hypothetical = true, Steps = 3 })
            .ExplainAsync(inputs, 2, new AttributionBaselines(Baseline.Frequencies(frequencies)), None);
        const int L = Fixtures.Length;
        var w = model.W[0][0];
        var expected = new double[4 * L];
        for (var l = 0; l < L; l++)
        {
            var mean = Enumerable.Range(0, 4).Sum(c => 2 * w[c * L + l] * frequencies[c]);
            for (var c = 0; c < 4; c++) expected[c * L + l] = 2 * w[c * L + l] - mean;
        }
        foreach (var row in result) Fixtures.Near(expected, row.Hypothetical!, 1e-6, "hypothetical");
        Assert.Null((await new IntegratedGradients(evaluator, target).ExplainAsync(inputs, 2, AttributionBaselines.Zeros, None))[0].Hypothetical);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task CallsOverlapUpToTheConfiguredNumberAndNoMore(int maxCallsInFlight)
    {
        var evaluator = new ClosedFormEvaluator(Fixtures.Linear(), batchSize: 4) { HoldUntilConcurrent = maxCallsInFlight };
        var ig = new IntegratedGradients(evaluator, Fixtures.RawTarget(1f, 0f), new() { Steps = 10, MaxCallsInFlight = maxCallsInFlight });
        var result = await ig.ExplainAsync(Fixtures.Inputs(rows: 4, seed: 1), 4, AttributionBaselines.Zeros, None);
        Assert.Equal(maxCallsInFlight, evaluator.MaxInFlight);
        Assert.All(result, row => Assert.True(Math.Abs(row.ConvergenceDelta) < 1e-5));
    }

    [Fact]
    public async Task NoRowsGiveNoResults()
    {
        var evaluator = new ClosedFormEvaluator(Fixtures.Linear(), batchSize: 4);
        var result = await new IntegratedGradients(evaluator, Fixtures.RawTarget(1f, 0f)).ExplainAsync([[], []], 0, AttributionBaselines.Zeros, None);
        Assert.Empty(result);
        Assert.Equal(0, evaluator.Calls);
    }
}
