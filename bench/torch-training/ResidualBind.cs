using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RbpPipeline.Bench.TorchTraining;

/// <summary>
/// ResidualBind (Ghanbari &amp; Ohler 2020) for one-hot RNA (4 channels): the parity and benchmark model. The field
/// names are the state names; models.py defines the identical PyTorch module.
/// </summary>
public sealed class ResidualBind : nn.Module<Tensor, Tensor>
{
    private readonly Conv1d conv1;
    private readonly BatchNorm1d bn1;
    private readonly Dropout drop1;
    private readonly DilatedResidual res;
    private readonly Dropout drop2;
    private readonly AvgPool1d pool;
    private readonly Linear dense;
    private readonly BatchNorm1d bn_dense;
    private readonly Dropout drop3;
    private readonly Linear output;

    public ResidualBind(long length = 41, long filters = 96, long hidden = 256, long outputs = 1) : base(nameof(ResidualBind))
    {
        conv1 = nn.Conv1d(4, filters, 11, Padding.Same);
        bn1 = nn.BatchNorm1d(filters);
        drop1 = nn.Dropout(0.1);
        res = new DilatedResidual(filters, 3, [1, 2, 4]);
        drop2 = nn.Dropout(0.2);
        pool = nn.AvgPool1d(10);
        dense = nn.Linear(filters * (length / 10), hidden);
        bn_dense = nn.BatchNorm1d(hidden);
        drop3 = nn.Dropout(0.5);
        output = nn.Linear(hidden, outputs);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = drop1.call(bn1.call(conv1.call(x)).relu_());
        h = drop2.call(res.call(h));
        h = pool.call(h).flatten(1);
        h = drop3.call(bn_dense.call(dense.call(h)).relu_());
        return output.call(h).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// Dilated residual block: conv → BN → ReLU for each dilation but the last, whose BN output (pre-activation) is
/// added to the block input before the final ReLU.
/// </summary>
public sealed class DilatedResidual : nn.Module<Tensor, Tensor>
{
    private readonly List<(Conv1d conv, BatchNorm1d bn)> _layers = new();

    public DilatedResidual(long filters, long kernel, long[] dilations) : base(nameof(DilatedResidual))
    {
        for (var i = 0; i < dilations.Length; i++)
        {
            var conv = nn.Conv1d(filters, filters, kernel, Padding.Same, dilation: dilations[i]);
            var bn = nn.BatchNorm1d(filters);
            register_module($"conv{i + 1}", conv);
            register_module($"bn{i + 1}", bn);
            _layers.Add((conv, bn));
        }
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = x;
        for (var i = 0; i < _layers.Count; i++)
        {
            var (conv, bn) = _layers[i];
            h = bn.call(conv.call(h));
            if (i < _layers.Count - 1) h = h.relu_();
        }
        return (h + x).relu_().MoveToOuterDisposeScope();
    }
}
