using static RbpPipeline.Torch.torch;

namespace RbpPipeline.Torch.Modules;

/// <summary>A loss: call(input, target) → loss tensor. Weight tensors are referenced, not owned.</summary>
public abstract class Loss(string name, nn.Reduction reduction) : nn.Module<Tensor, Tensor, Tensor>(name)
{
    public nn.Reduction reduction { get; } = reduction;
}

public sealed class MSELoss(nn.Reduction reduction = nn.Reduction.Mean) : Loss(nameof(MSELoss), reduction)
{
    public override Tensor forward(Tensor input, Tensor target) => nn.functional.mse_loss(input, target, reduction);
}

public sealed class L1Loss(nn.Reduction reduction = nn.Reduction.Mean) : Loss(nameof(L1Loss), reduction)
{
    public override Tensor forward(Tensor input, Tensor target) => nn.functional.l1_loss(input, target, reduction);
}

/// <summary>Binary cross-entropy on logits; weight rescales elements, pos_weight (per class) the positive term.</summary>
public sealed class BCEWithLogitsLoss(Tensor? weight = null, nn.Reduction reduction = nn.Reduction.Mean, Tensor? pos_weight = null)
    : Loss(nameof(BCEWithLogitsLoss), reduction)
{
    public Tensor? weight { get; } = weight;
    public Tensor? pos_weight { get; } = pos_weight;

    public override Tensor forward(Tensor input, Tensor target) =>
        nn.functional.binary_cross_entropy_with_logits(input, target, weight, reduction, pos_weight);
}

public sealed class CrossEntropyLoss(Tensor? weight = null, long ignore_index = -100, nn.Reduction reduction = nn.Reduction.Mean,
    double label_smoothing = 0) : Loss(nameof(CrossEntropyLoss), reduction)
{
    public Tensor? weight { get; } = weight;
    public long ignore_index { get; } = ignore_index;
    public double label_smoothing { get; } = label_smoothing;

    public override Tensor forward(Tensor input, Tensor target) =>
        nn.functional.cross_entropy(input, target, weight, ignore_index, reduction, label_smoothing);
}
