using static TorchSharp.torch;

namespace RbpPipeline.Trainer.Training;

/// <summary>
/// The training losses with missing labels (NaN) left out: each element's loss is multiplied by a 0/1 mask and
/// the sum is divided by the number of labels present, so a batch's loss is the mean over the labels it has.
/// A batch with no labels at all has loss 0 and no gradient.
/// </summary>
public static class MaskedLoss
{
    /// <param name="output">Raw outputs [batch, columns]: values (MSE) or logits.</param>
    /// <param name="target">Labels [batch, tasks] (for cross-entropy [batch, 1] holding the class index); NaN = missing.</param>
    /// <param name="positiveWeight">Weighted BCE only: one weight per task [tasks] for the positive term.</param>
    public static Tensor Compute(LossKind kind, Tensor output, Tensor target, Tensor? positiveWeight = null)
    {
        using var scope = NewDisposeScope();
        var present = target.isnan().logical_not();
        var mask = present.to(ScalarType.Float32);
        var count = mask.sum().clamp_min(1);
        var filled = where(present, target, zeros_like(target));
        Tensor elementwise;
        switch (kind)
        {
            case LossKind.Mse:
                elementwise = nn.functional.mse_loss(output, filled, nn.Reduction.None);
                break;
            case LossKind.Bce:
                elementwise = nn.functional.binary_cross_entropy_with_logits(output, filled, reduction: nn.Reduction.None);
                break;
            case LossKind.WeightedBce:
                if (positiveWeight is null) throw new ArgumentException("weighted BCE needs a positive weight per task");
                elementwise = nn.functional.binary_cross_entropy_with_logits(output, filled, reduction: nn.Reduction.None, pos_weights: positiveWeight);
                break;
            case LossKind.CrossEntropy:
                if (target.shape.Length != 2 || target.shape[1] != 1)
                    throw new ArgumentException($"cross-entropy takes one label column holding the class index, got labels [{string.Join(", ", target.shape)}]");
                var classes = filled.squeeze(1).to(ScalarType.Int64);
                // ignore_index rows give 0; the mask count is the number of rows with a label.
                var indices = where(present.squeeze(1), classes, full_like(classes, -100));
                elementwise = nn.functional.cross_entropy(output, indices, ignore_index: -100, reduction: nn.Reduction.None).unsqueeze(1);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown loss");
        }
        return ((elementwise * mask).sum() / count).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Per-task weights for the positive term of weighted BCE: negatives / positives among the non-missing training
    /// labels (1 when a task lacks either class).
    /// </summary>
    public static float[] PositiveWeights(IReadOnlyList<(long Positives, long Negatives)> counts) =>
        [.. counts.Select(c => c.Positives == 0 || c.Negatives == 0 ? 1f : (float)((double)c.Negatives / c.Positives))];
}
