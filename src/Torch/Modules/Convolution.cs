using static RbpPipeline.Torch.torch;

namespace RbpPipeline.Torch.Modules;

/// <summary>Shared parameters and PyTorch's default initialisation of Conv1d/Conv2d.</summary>
public abstract class Convolution : nn.Module<Tensor, Tensor>
{
    private protected Convolution(string name, long inChannels, long outChannels, long[] kernel, long[] stride,
        long[] padding, long[] dilation, Padding? paddingMode, long groups, bool bias) : base(name)
    {
        if (inChannels % groups != 0 || outChannels % groups != 0)
            throw new ArgumentException($"in_channels ({inChannels}) and out_channels ({outChannels}) must be divisible by groups ({groups})");
        if (paddingMode == Padding.Same && stride.Any(s => s != 1))
            throw new ArgumentException("padding 'same' is not supported for strided convolutions");
        in_channels = inChannels;
        out_channels = outChannels;
        kernel_size = kernel;
        this.stride = stride;
        this.padding = padding;
        this.dilation = dilation;
        padding_mode = paddingMode;
        this.groups = groups;
        register_parameter("weight", new Parameter(empty([outChannels, inChannels / groups, .. kernel])));
        if (bias) register_parameter("bias", new Parameter(empty([outChannels])));
        reset_parameters();
    }

    public long in_channels { get; }
    public long out_channels { get; }
    public long[] kernel_size { get; }
    public long[] stride { get; }
    public long[] padding { get; }
    public long[] dilation { get; }

    /// <summary>Valid or Same; null when <see cref="padding"/> gives explicit amounts.</summary>
    public Padding? padding_mode { get; }

    public long groups { get; }

    public Parameter weight => named_parameters(false).First(p => p.name == "weight").parameter;

    public Parameter? bias => named_parameters(false).FirstOrDefault(p => p.name == "bias").parameter;

    /// <summary>kaiming_uniform_(a=√5) for the weight and U(±1/√fan_in) for the bias, as PyTorch.</summary>
    public void reset_parameters()
    {
        nn.init.kaiming_uniform_(weight, Math.Sqrt(5));
        if (bias is { } b)
        {
            var (fanIn, _) = nn.init.CalculateFanInAndFanOut(weight);
            if (fanIn != 0)
            {
                var bound = 1 / Math.Sqrt(fanIn);
                nn.init.uniform_(b, -bound, bound);
            }
        }
    }

    public override Tensor forward(Tensor input) =>
        nn.functional.Conv(input, weight, bias, stride, padding, dilation, padding_mode, groups);
}

/// <summary>1-D convolution over (N, C, L).</summary>
public sealed class Conv1d : Convolution
{
    internal Conv1d(long inChannels, long outChannels, long kernelSize, long stride, long padding, long dilation,
        Padding? paddingMode, long groups, bool bias)
        : base(nameof(Conv1d), inChannels, outChannels, [kernelSize], [stride], [padding], [dilation], paddingMode, groups, bias) { }
}

/// <summary>2-D convolution over (N, C, H, W).</summary>
public sealed class Conv2d : Convolution
{
    internal Conv2d(long inChannels, long outChannels, (long, long) kernelSize, (long, long) stride, (long, long) padding,
        (long, long) dilation, Padding? paddingMode, long groups, bool bias)
        : base(nameof(Conv2d), inChannels, outChannels, [kernelSize.Item1, kernelSize.Item2], [stride.Item1, stride.Item2],
            [padding.Item1, padding.Item2], [dilation.Item1, dilation.Item2], paddingMode, groups, bias) { }
}
