using RbpPipeline.Contracts.Manifests;
using Grpc.Core;
using RbpPipeline.Interpretation;
using RbpPipeline.InferenceServer.Models;
using RbpPipeline.InferenceServer.Services;

namespace RbpPipeline.InferenceServer.Interpretation;

/// <summary>
/// A served model version as the interpretation algorithms see it: forward calls go through the version's dynamic
/// batcher (model.onnx) and gradient calls through its gradient batcher (gradient.onnx), so interpretation work
/// shares the execution workers, batching, cancellation and metrics of ordinary predictions.
/// </summary>
public sealed class ServedModelEvaluator : IModelEvaluator
{
    private readonly ServedModel _model;

    /// <param name="rowsPerCall">Rows the algorithms hand over per call; the batchers split them into runs.</param>
    public ServedModelEvaluator(ServedModel model, int rowsPerCall)
    {
        _model = model;
        Inputs = [.. model.Manifest.Inputs.Select(i => new ModelInputShape(i.Name, i.Channels.Count, i.Length))];
        OutputColumns = model.Manifest.OutputColumns;
        PreferredBatchSize = Math.Max(1, rowsPerCall);
    }

    public IReadOnlyList<ModelInputShape> Inputs { get; }

    public int OutputColumns { get; }

    public int PreferredBatchSize { get; }

    /// <summary>
    /// Null when gradient calls can run; otherwise why not (no gradient graph, or one taken in probability space,
    /// whose weights cannot express a logit-space target).
    /// </summary>
    public string? GradientUnavailableReason =>
        _model.GradientBatcher is null
            ? $"model {_model.Name} version {_model.Version} was published without gradient.onnx; re-export it to use gradient-based methods"
            : _model.Manifest.Gradient?.Spaces.Any(s => s.Value == GradientSpace.Probability) == true
                ? $"model {_model.Name} version {_model.Version} has a gradient graph of probabilities; attribution needs the default logit gradient (re-export without --gradient-of probability)"
                : null;

    public async Task<float[]> PredictAsync(IReadOnlyList<float[]> inputs, int rows, CancellationToken cancellationToken)
    {
        var outputs = await Predictor.RunAsync(_model, [.. inputs], rows, cancellationToken).ConfigureAwait(false);
        return outputs[_model.RawOutputIndex];
    }

    public async Task<(float[][] Gradients, float[] Raw)> GradientAsync(IReadOnlyList<float[]> inputs, float[] outputWeights, int rows,
        CancellationToken cancellationToken)
    {
        if (GradientUnavailableReason is { } reason) throw new RpcException(new Status(StatusCode.FailedPrecondition, reason));
        var outputs = await _model.GradientBatcher!.InferAsync([.. inputs, outputWeights], rows, cancellationToken)
            .ConfigureAwait(false);
        return (outputs[1..], outputs[0]);
    }
}
