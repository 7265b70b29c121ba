using static RbpPipeline.Torch.torch;

namespace RbpPipeline.Torch.Modules;

/// <summary>y = x Wᵀ + b, with PyTorch's default initialisation.</summary>
public sealed class Linear : nn.Module<Tensor, Tensor>
{
    internal Linear(long inFeatures, long outFeatures, bool hasBias) : base(nameof(Linear))
    {
        in_features = inFeatures;
        out_features = outFeatures;
        register_parameter("weight", new Parameter(empty([outFeatures, inFeatures])));
        if (hasBias) register_parameter("bias", new Parameter(empty([outFeatures])));
        reset_parameters();
    }

    public long in_features { get; }
    public long out_features { get; }

    public Parameter weight => named_parameters(false).First(p => p.name == "weight").parameter;

    public Parameter? bias => named_parameters(false).FirstOrDefault(p => p.name == "bias").parameter;

    public void reset_parameters()
    {
        nn.init.kaiming_uniform_(weight, Math.Sqrt(5));
        if (bias is { } b)
        {
            var bound = in_features > 0 ? 1 / Math.Sqrt(in_features) : 0;
            nn.init.uniform_(b, -bound, bound);
        }
    }

    public override Tensor forward(Tensor input) => nn.functional.linear(input, weight, bias);
}
