using static RbpPipeline.Torch.torch;

namespace RbpPipeline.Torch.Modules;

/// <summary>Zeroes elements with probability p in training (scaling the rest by 1/(1-p)); identity in eval.</summary>
public sealed class Dropout : nn.Module<Tensor, Tensor>
{
    internal Dropout(double p, bool inplace) : base(nameof(Dropout))
    {
        if (p < 0 || p > 1) throw new ArgumentOutOfRangeException(nameof(p), $"dropout probability has to be between 0 and 1, but got {p}");
        this.p = p;
        this.inplace = inplace;
    }

    public double p { get; }
    public bool inplace { get; }

    public override Tensor forward(Tensor input) => nn.functional.dropout(input, p, training, inplace);
}

public sealed class ReLU(bool inplace = false) : nn.Module<Tensor, Tensor>(nameof(ReLU))
{
    public override Tensor forward(Tensor input) => inplace ? input.relu_() : input.relu();
}

public sealed class Sigmoid() : nn.Module<Tensor, Tensor>(nameof(Sigmoid))
{
    public override Tensor forward(Tensor input) => input.sigmoid();
}

public sealed class Tanh() : nn.Module<Tensor, Tensor>(nameof(Tanh))
{
    public override Tensor forward(Tensor input) => input.tanh();
}

public sealed class Softmax(long dim) : nn.Module<Tensor, Tensor>(nameof(Softmax))
{
    public override Tensor forward(Tensor input) => input.softmax(dim);
}

public sealed class Identity() : nn.Module<Tensor, Tensor>(nameof(Identity))
{
    public override Tensor forward(Tensor input) => input;
}

/// <summary>Flattens dimensions start_dim..end_dim (by default all but the batch dimension).</summary>
public sealed class Flatten(long start_dim = 1, long end_dim = -1) : nn.Module<Tensor, Tensor>(nameof(Flatten))
{
    public override Tensor forward(Tensor input) => input.flatten(start_dim, end_dim);
}

public sealed class MaxPool1d : nn.Module<Tensor, Tensor>
{
    internal MaxPool1d(long kernelSize, long? stride, long padding, long dilation, bool ceilMode) : base(nameof(MaxPool1d))
    {
        kernel_size = kernelSize;
        this.stride = stride ?? kernelSize;
        this.padding = padding;
        this.dilation = dilation;
        ceil_mode = ceilMode;
    }

    public long kernel_size { get; }
    public long stride { get; }
    public long padding { get; }
    public long dilation { get; }
    public bool ceil_mode { get; }

    public override Tensor forward(Tensor input) => nn.functional.max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode);
}

public sealed class MaxPool2d : nn.Module<Tensor, Tensor>
{
    internal MaxPool2d(long[] kernelSize, long[] stride, long[] padding, long[] dilation, bool ceilMode) : base(nameof(MaxPool2d))
    {
        kernel_size = kernelSize;
        this.stride = stride;
        this.padding = padding;
        this.dilation = dilation;
        ceil_mode = ceilMode;
    }

    public long[] kernel_size { get; }
    public long[] stride { get; }
    public long[] padding { get; }
    public long[] dilation { get; }
    public bool ceil_mode { get; }

    public override Tensor forward(Tensor input) => nn.functional.max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode);
}

public sealed class AvgPool1d : nn.Module<Tensor, Tensor>
{
    internal AvgPool1d(long kernelSize, long? stride, long padding, bool ceilMode, bool countIncludePad) : base(nameof(AvgPool1d))
    {
        kernel_size = kernelSize;
        this.stride = stride ?? kernelSize;
        this.padding = padding;
        ceil_mode = ceilMode;
        count_include_pad = countIncludePad;
    }

    public long kernel_size { get; }
    public long stride { get; }
    public long padding { get; }
    public bool ceil_mode { get; }
    public bool count_include_pad { get; }

    public override Tensor forward(Tensor input) =>
        nn.functional.avg_pool1d(input, kernel_size, stride, padding, ceil_mode, count_include_pad);
}

/// <summary>
/// Runs its modules in order. Intermediate results are disposed as soon as the next module has consumed them
/// (autograd keeps what it needs), so a Sequential adds no garbage to the caller's dispose scope.
/// </summary>
public sealed class Sequential : nn.Module<Tensor, Tensor>
{
    private readonly List<nn.Module<Tensor, Tensor>> _layers = new();

    internal Sequential(IEnumerable<(string name, nn.Module<Tensor, Tensor> module)> modules) : base(nameof(Sequential))
    {
        foreach (var (n, m) in modules) append(n, m);
    }

    public int Count => _layers.Count;

    public nn.Module<Tensor, Tensor> this[int index] => _layers[index];

    public Sequential append(nn.Module<Tensor, Tensor> module) => append(_layers.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), module);

    public Sequential append(string name, nn.Module<Tensor, Tensor> module)
    {
        register_module(name, module);
        _layers.Add(module);
        return this;
    }

    public override Tensor forward(Tensor input)
    {
        var x = input;
        foreach (var layer in _layers)
        {
            var next = layer.call(x);
            // In-place layers hand back their input; never free the caller's tensor.
            if (!ReferenceEquals(x, input) && !ReferenceEquals(next, x)) x.Dispose();
            x = next;
        }
        return x;
    }
}
