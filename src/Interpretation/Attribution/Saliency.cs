namespace RbpPipeline.Interpretation.Attribution;

/// <summary>
/// Saliency of one row: <see cref="Gradients"/> ∇f(x) and <see cref="GradientTimesInput"/> x ⊙ ∇f(x), one array per
/// model input [channels, length], and <see cref="Score"/> f(x), f the target.
/// </summary>
public sealed record SaliencyRow(IReadOnlyList<float[]> Gradients, IReadOnlyList<float[]> GradientTimesInput, double Score);

/// <summary>Input gradients of a <see cref="PredictionTarget"/> at the rows themselves, batched like every attribution method.</summary>
public sealed class Saliency
{
    private readonly IModelEvaluator _evaluator;
    private readonly PredictionTarget _target;
    private readonly int _maxCallsInFlight;

    public Saliency(IModelEvaluator evaluator, PredictionTarget target, int maxCallsInFlight = 2)
    {
        InputChecks.Target(evaluator, target);
        _evaluator = evaluator;
        _target = target;
        _maxCallsInFlight = InputChecks.CallsInFlight(maxCallsInFlight);
    }

    public async Task<IReadOnlyList<SaliencyRow>> ComputeAsync(IReadOnlyList<float[]> inputs, int rows, CancellationToken cancellationToken)
    {
        var shapes = _evaluator.Inputs;
        InputChecks.Inputs(shapes, inputs, rows);
        var results = new SaliencyRow[rows];
        var runner = new BatchRunner(_evaluator, _target, _maxCallsInFlight);
        await runner.RunAsync(CallKind.TargetGradient, Enumerable.Range(0, rows).Select(r => (r, 0)),
            (batch, slot, row, _) =>
            {
                for (var k = 0; k < shapes.Count; k++)
                    inputs[k].AsSpan(row * shapes[k].RecordSize, shapes[k].RecordSize).CopyTo(batch.Record(k, slot));
            },
            (batch, slot, row, _) =>
            {
                var gradients = new float[shapes.Count][];
                var products = new float[shapes.Count][];
                for (var k = 0; k < shapes.Count; k++)
                {
                    var size = shapes[k].RecordSize;
                    var gradient = gradients[k] = batch.Gradient(k, slot).ToArray();
                    var x = inputs[k].AsSpan(row * size, size);
                    var product = products[k] = new float[size];
                    for (var e = 0; e < size; e++) product[e] = gradient[e] * x[e];
                }
                results[row] = new SaliencyRow(gradients, products, _target.Score(batch.RawRow(slot)));
            },
            cancellationToken).ConfigureAwait(false);
        return results;
    }
}
