using static TorchSharp.torch;

namespace RbpPipeline.Trainer.Training;

/// <summary>
/// One optimiser step on a minibatch loss, as every training loop takes it (the Trainer's and RBP-ADDA's three
/// stages): refuse a non-finite loss, clear the gradients, back-propagate, clip (when asked), step.
/// </summary>
public static class OptimizationStep
{
    /// <summary>Takes the step and returns the loss's value.</summary>
    /// <param name="nonFinite">The error message for a loss that became NaN or infinite (given the value).</param>
    /// <param name="clipNorm">&gt; 0: clip the gradient norm of <paramref name="clipped"/> to it before the step.</param>
    /// <exception cref="InvalidOperationException">The loss is not finite; no step was taken.</exception>
    public static float Take(optim.Optimizer optimizer, Tensor loss, Func<float, string> nonFinite,
        IEnumerable<TorchSharp.Modules.Parameter>? clipped = null, double clipNorm = 0)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(loss);
        ArgumentNullException.ThrowIfNull(nonFinite);
        var value = loss.item<float>();
        if (!float.IsFinite(value)) throw new InvalidOperationException(nonFinite(value));
        optimizer.zero_grad();
        loss.backward();
        if (clipNorm > 0 && clipped is not null) nn.utils.clip_grad_norm_(clipped, clipNorm);
        optimizer.step();
        return value;
    }
}
