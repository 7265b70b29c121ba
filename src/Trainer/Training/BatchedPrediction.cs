using RbpPipeline.Trainer.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace RbpPipeline.Trainer.Training;

/// <summary>
/// The one batched, gradient-free forward pass over a split, in record order: what evaluation, prediction and
/// RBP-ADDA's held-out measurements (encoder then predictor or discriminator) all use. The caller puts its modules in
/// evaluation mode; each batch's tensors are freed before the next.
/// </summary>
public static class BatchedPrediction
{
    /// <summary>
    /// Outputs [N, <paramref name="columns"/>] of <paramref name="forward"/> over <paramref name="split"/>, in batches of
    /// <paramref name="batchSize"/> records moved to <paramref name="device"/>.
    /// </summary>
    /// <param name="describe">Names the network in the error raised when it returns another shape.</param>
    public static float[] Run(EncodedSplit split, int columns, int batchSize, Device device, Func<IReadOnlyList<Tensor>, Tensor> forward, string describe)
    {
        ArgumentNullException.ThrowIfNull(split);
        ArgumentNullException.ThrowIfNull(forward);
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "the prediction batch size must be ≥ 1");
        var result = new float[split.Count * columns];
        var indices = Enumerable.Range(0, split.Count).ToArray();
        using var noGrad = no_grad();
        for (var start = 0; start < split.Count; start += batchSize)
        {
            var size = Math.Min(batchSize, split.Count - start);
            using var scope = NewDisposeScope();
            var inputs = split.InputBatch(indices.AsSpan(start, size));
            if (device.type != DeviceType.CPU) inputs = [.. inputs.Select(x => x.to(device))];
            var output = forward(inputs);
            if (output.shape.Length != 2 || output.shape[0] != size || output.shape[1] != columns)
                throw new InvalidOperationException(
                    $"{describe} returned [{string.Join(", ", output.shape)}] for a batch of {size}; expected [{size}, {columns}]");
            output.to(ScalarType.Float32).cpu().contiguous().data<float>().CopyTo(result.AsSpan(start * columns, size * columns));
        }
        return result;
    }

    /// <summary><see cref="Run"/> of one network on the CPU.</summary>
    public static float[] Run(INetwork network, EncodedSplit split, int batchSize)
    {
        ArgumentNullException.ThrowIfNull(network);
        return Run(split, network.Shape.Tasks, batchSize, TrainingDevice.Of(network.Module), inputs => network.Forward(inputs), network.Architecture);
    }
}
