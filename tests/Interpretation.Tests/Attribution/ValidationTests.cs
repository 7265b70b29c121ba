using RbpPipeline.Interpretation.Attribution;

namespace RbpPipeline.Interpretation.Tests.Attribution;

public sealed class ValidationTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    private static IntegratedGradients Ig(IntegratedGradientsOptions? options = null) =>
        new(new ClosedFormEvaluator(Fixtures.Linear(), 8), Fixtures.RawTarget(1f, 0f), options);

    [Fact]
    public async Task AWrongNumberOfInputArraysIsNamed()
    {
        var inputs = Fixtures.Inputs(2, 1);
        var error = await Assert.ThrowsAsync<ArgumentException>(() => Ig().ExplainAsync([inputs[0]], 2, AttributionBaselines.Zeros, None));
        Assert.Contains("expected 2 input arrays (sequence, region), got 1", error.Message);
        var saliency = new Saliency(new ClosedFormEvaluator(Fixtures.Linear(), 8), Fixtures.RawTarget(1f, 0f));
        await Assert.ThrowsAsync<ArgumentException>(() => saliency.ComputeAsync([inputs[0]], 2, None));
    }

    [Fact]
    public async Task AWrongArrayLengthNamesTheInputAndTheExpectedSize()
    {
        var inputs = Fixtures.Inputs(2, 1);
        var error = await Assert.ThrowsAsync<ArgumentException>(() => Ig().ExplainAsync([inputs[0], new float[30]], 2, AttributionBaselines.Zeros, None));
        Assert.Contains("input 'region' has 30 values; expected 48 (2 rows × 2 channels × 12 positions)", error.Message);
        var ism = new InSilicoMutagenesis(new ClosedFormEvaluator(Fixtures.Linear(), 8), Fixtures.RawTarget(1f, 0f));
        error = await Assert.ThrowsAsync<ArgumentException>(() => ism.ScanAsync([new float[5], inputs[1]], 2, null, None));
        Assert.Contains("input 'sequence' has 5 values; expected 96", error.Message);
    }

    [Fact]
    public void StepsBelowOneAndNoCallsInFlightAreRejected()
    {
        var error = Assert.Throws<ArgumentException>(() => Ig(new() { Steps = 0 }));
        Assert.Contains("Steps is 0", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Ig(new() { MaxCallsInFlight = 0 }));
    }

    [Fact]
    public async Task BaselineShapeMismatchesNameTheInput()
    {
        var inputs = Fixtures.Inputs(1, 1);
        var error = await Assert.ThrowsAsync<ArgumentException>(() =>
            Ig().ExplainAsync(inputs, 1, new AttributionBaselines(Baseline.Custom([new float[48], new float[40]])), None));
        Assert.Contains("custom baseline record 1 for input 'sequence' has 40 values; expected 48 (4 channels × 12 positions)", error.Message);

        error = await Assert.ThrowsAsync<ArgumentException>(() => Ig().ExplainAsync(inputs, 1, new AttributionBaselines(Baseline.Zeros)
        {
            Others = new Dictionary<string, Baseline> { ["region"] = Baseline.Frequencies([0.2f, 0.3f, 0.5f]) },
        }, None));
        Assert.Contains("frequency baseline for input 'region' has 3 values; expected 2 (one per channel)", error.Message);

        var lowest = Baseline.LowestScoring([new float[2 * 48], new float[10]], 2, 1);
        error = await Assert.ThrowsAsync<ArgumentException>(() => Ig().ExplainAsync(inputs, 1, new AttributionBaselines(lowest), None));
        Assert.Contains("reference input 'region' has 10 values; expected 48", error.Message);
    }

    [Fact]
    public async Task ShufflesOfATrackAndMismatchedBaselineCountsAreRejected()
    {
        var inputs = Fixtures.Inputs(1, 1);
        var error = await Assert.ThrowsAsync<ArgumentException>(() => Ig().ExplainAsync(inputs, 1, new AttributionBaselines(Baseline.Zeros)
        {
            Others = new Dictionary<string, Baseline> { ["region"] = Baseline.Shuffles(2, 1) },
        }, None));
        Assert.Contains("shuffle baselines apply only to the sequence input 'sequence'; input 'region'", error.Message);

        error = await Assert.ThrowsAsync<ArgumentException>(() => Ig().ExplainAsync(inputs, 1, new AttributionBaselines(Baseline.Shuffles(3, 1))
        {
            Others = new Dictionary<string, Baseline> { ["region"] = Baseline.Custom([new float[24], new float[24]]) },
        }, None));
        Assert.Contains("input 'region' has 2 baselines and input 'sequence' has 3", error.Message);

        error = await Assert.ThrowsAsync<ArgumentException>(() => Ig().ExplainAsync(inputs, 1, new AttributionBaselines(Baseline.Zeros)
        {
            Others = new Dictionary<string, Baseline> { ["structure"] = Baseline.Zeros },
        }, None));
        Assert.Contains("input 'structure', which the model does not have; its inputs are: sequence, region", error.Message);
    }

    [Fact]
    public void ATargetForAnotherModelIsRejected()
    {
        var error = Assert.Throws<ArgumentException>(() => new IntegratedGradients(new ClosedFormEvaluator(Fixtures.Linear(), 8), Fixtures.RawTarget(1f, 0f, 1f)));
        Assert.Contains("the target has 3 output columns; the model has 2", error.Message);
    }

    [Fact]
    public void MethodsThatNeedASequenceInputSayWhy()
    {
        IReadOnlyList<ModelInputShape> tracks = [new("structure", 5, 12)];
        var evaluator = new ClosedFormEvaluator(new LinearModel(tracks, ClosedFormModel.RandomWeights(tracks, 2, 1, 1), [0, 0]), 8);
        var error = Assert.Throws<ArgumentException>(() => new InSilicoMutagenesis(evaluator, Fixtures.RawTarget(1f, 0f)));
        Assert.Contains("in-silico mutagenesis needs the first input 'structure' to be a 4-channel one-hot sequence; it has 5 channels", error.Message);
        Assert.Throws<ArgumentException>(() => new IntegratedGradients(evaluator, Fixtures.RawTarget(1f, 0f), new() { Hypothetical = true }));
    }
}

public sealed class CancellationTests
{
    [Fact]
    public async Task IntegratedGradientsStopsWhenItsTokenIsCancelledMidRun()
    {
        using var cancellation = new CancellationTokenSource();
        // The evaluator ignores the token, so only the caller's own checks can stop the run.
        var evaluator = new ClosedFormEvaluator(Fixtures.Nonlinear(), batchSize: 4) { OnCall = call => { if (call == 3) cancellation.Cancel(); } };
        var ig = new IntegratedGradients(evaluator, Fixtures.RawTarget(1f, 1f, 1f), new() { Steps = 50 });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            ig.ExplainAsync(Fixtures.Inputs(4, 1), 4, AttributionBaselines.Zeros, cancellation.Token));
        // 4 rows × 50 points need 50 gradient calls; at most the calls already running may finish.
        Assert.InRange(evaluator.Calls, 3, 3 + ig.Options.MaxCallsInFlight);
    }

    [Fact]
    public async Task MutagenesisStopsWhenItsTokenIsCancelledMidRun()
    {
        using var cancellation = new CancellationTokenSource();
        var evaluator = new ClosedFormEvaluator(Fixtures.Linear(), batchSize: 4) { OnCall = call => { if (call == 2) cancellation.Cancel(); } };
        var ism = new InSilicoMutagenesis(evaluator, Fixtures.RawTarget(1f, 0f));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ism.ScanAsync(Fixtures.Inputs(3, 1), 3, null, cancellation.Token));
        Assert.InRange(evaluator.Calls, 2, 4);
    }

    [Fact]
    public async Task ACancelledTokenStopsSaliencyBeforeAnyCall()
    {
        var evaluator = new ClosedFormEvaluator(Fixtures.Linear(), batchSize: 4);
        var saliency = new Saliency(evaluator, Fixtures.RawTarget(1f, 0f));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => saliency.ComputeAsync(Fixtures.Inputs(3, 1), 3, new CancellationToken(canceled: true)));
        Assert.Equal(0, evaluator.Calls);
    }
}
