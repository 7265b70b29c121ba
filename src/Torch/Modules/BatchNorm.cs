using static RbpPipeline.Torch.torch;

namespace RbpPipeline.Torch.Modules;

/// <summary>
/// Batch normalisation as PyTorch's _BatchNorm: weight/bias (affine), running_mean/running_var/num_batches_tracked
/// buffers (track_running_stats); training normalises with batch statistics and updates the running ones,
/// eval uses the running ones. momentum null = cumulative moving average.
/// </summary>
public abstract class BatchNorm : nn.Module<Tensor, Tensor>
{
    private readonly int[] _acceptedDims;

    private protected BatchNorm(string name, long numFeatures, double eps, double? momentum, bool affine,
        bool trackRunningStats, int[] acceptedDims) : base(name)
    {
        _acceptedDims = acceptedDims;
        num_features = numFeatures;
        this.eps = eps;
        this.momentum = momentum;
        this.affine = affine;
        track_running_stats = trackRunningStats;
        if (affine)
        {
            register_parameter("weight", new Parameter(ones([numFeatures])));
            register_parameter("bias", new Parameter(zeros([numFeatures])));
        }
        if (trackRunningStats)
        {
            register_buffer("running_mean", zeros([numFeatures]));
            register_buffer("running_var", ones([numFeatures]));
            register_buffer("num_batches_tracked", tensor(0L));
        }
    }

    public long num_features { get; }
    public double eps { get; set; }
    public double? momentum { get; set; }
    public bool affine { get; }
    public bool track_running_stats { get; }

    public Parameter? weight => Param("weight");
    public Parameter? bias => Param("bias");
    public Tensor? running_mean => Buffer("running_mean");
    public Tensor? running_var => Buffer("running_var");
    public Tensor? num_batches_tracked => Buffer("num_batches_tracked");

    private Parameter? Param(string n) => named_parameters(false).FirstOrDefault(p => p.name == n).parameter;

    private Tensor? Buffer(string n) => named_buffers(false).FirstOrDefault(b => b.name == n).buffer;

    public void reset_running_stats()
    {
        using (no_grad())
        {
            running_mean?.zero_();
            running_var?.fill_(1);
            num_batches_tracked?.zero_();
        }
    }

    public override Tensor forward(Tensor input)
    {
        var d = input.dim();
        if (!_acceptedDims.Contains((int)d))
            throw new ArgumentException(
                $"{name}: expected {string.Join(" or ", _acceptedDims.Select(x => $"{x}D"))} input (got {d}D input)");
        // Running statistics are used (and updated in training) only when tracked, as in PyTorch.
        var useRunning = !training || track_running_stats;
        return nn.functional.BatchNormTracked(input, weight, bias,
            useRunning ? running_mean : null, useRunning ? running_var : null,
            training && track_running_stats ? num_batches_tracked : null, training, momentum, eps);
    }
}

/// <summary>Over (N, C) or (N, C, L).</summary>
public sealed class BatchNorm1d : BatchNorm
{
    internal BatchNorm1d(long numFeatures, double eps, double? momentum, bool affine, bool trackRunningStats)
        : base(nameof(BatchNorm1d), numFeatures, eps, momentum, affine, trackRunningStats, [2, 3]) { }
}

/// <summary>Over (N, C, H, W).</summary>
public sealed class BatchNorm2d : BatchNorm
{
    internal BatchNorm2d(long numFeatures, double eps, double? momentum, bool affine, bool trackRunningStats)
        : base(nameof(BatchNorm2d), numFeatures, eps, momentum, affine, trackRunningStats, [4]) { }
}
