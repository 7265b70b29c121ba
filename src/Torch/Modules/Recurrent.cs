using RbpPipeline.Torch.Native;
using static RbpPipeline.Torch.torch;

namespace RbpPipeline.Torch.Modules;

/// <summary>
/// Multi-layer, optionally bidirectional recurrent layer over libtorch's fused kernels, with PyTorch's parameter
/// names (weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0, ..._reverse), gate order and U(±1/√hidden)
/// initialisation.
/// </summary>
public abstract class RecurrentBase<THidden, TResult> : nn.Module<Tensor, THidden, TResult>
{
    private readonly List<Parameter> _flatWeights = new();

    private protected RecurrentBase(string name, int gates, long inputSize, long hiddenSize, long numLayers, bool bias,
        bool batchFirst, double dropout, bool bidirectional) : base(name)
    {
        if (dropout < 0 || dropout > 1) throw new ArgumentOutOfRangeException(nameof(dropout), "dropout must be in [0, 1]");
        input_size = inputSize;
        hidden_size = hiddenSize;
        num_layers = numLayers;
        this.bias = bias;
        batch_first = batchFirst;
        this.dropout = dropout;
        this.bidirectional = bidirectional;
        var directions = bidirectional ? 2 : 1;
        for (var layer = 0; layer < numLayers; layer++)
            for (var direction = 0; direction < directions; direction++)
            {
                var suffix = $"_l{layer}{(direction == 1 ? "_reverse" : "")}";
                var layerInput = layer == 0 ? inputSize : hiddenSize * directions;
                Add($"weight_ih{suffix}", [gates * hiddenSize, layerInput]);
                Add($"weight_hh{suffix}", [gates * hiddenSize, hiddenSize]);
                if (bias)
                {
                    Add($"bias_ih{suffix}", [gates * hiddenSize]);
                    Add($"bias_hh{suffix}", [gates * hiddenSize]);
                }
            }
        reset_parameters();
    }

    private void Add(string n, long[] shape)
    {
        var p = new Parameter(empty(shape));
        register_parameter(n, p);
        _flatWeights.Add(p);
    }

    public long input_size { get; }
    public long hidden_size { get; }
    public long num_layers { get; }
    public bool bias { get; }
    public bool batch_first { get; }
    public double dropout { get; }
    public bool bidirectional { get; }

    public void reset_parameters()
    {
        var stdv = hidden_size > 0 ? 1.0 / Math.Sqrt(hidden_size) : 0;
        foreach (var p in _flatWeights) nn.init.uniform_(p, -stdv, stdv);
    }

    private protected unsafe (Tensor output, Tensor hn, Tensor? cn) Run(int mode, Tensor input, Tensor? h0, Tensor? c0)
    {
        using var weights = new HandleArray(_flatWeights);
        IntPtr o, h, c;
        fixed (IntPtr* w = weights.Pointers)
            Interop.Check(NativeMethods.rbp_rnn(mode, input.Handle, h0?.Handle ?? TensorHandle.Null,
                c0?.Handle ?? TensorHandle.Null, w, _flatWeights.Count, bias ? 1 : 0, num_layers, hidden_size, dropout,
                training ? 1 : 0, bidirectional ? 1 : 0, batch_first ? 1 : 0, out o, out h, out c));
        return (new Tensor(o), new Tensor(h), c == IntPtr.Zero ? null : new Tensor(c));
    }
}

/// <summary>LSTM: forward(input, (h0, c0)?) → (output, h_n, c_n).</summary>
public sealed class LSTM : RecurrentBase<(Tensor, Tensor)?, (Tensor, Tensor, Tensor)>
{
    internal LSTM(long inputSize, long hiddenSize, long numLayers, bool bias, bool batchFirst, double dropout, bool bidirectional)
        : base(nameof(LSTM), 4, inputSize, hiddenSize, numLayers, bias, batchFirst, dropout, bidirectional) { }

    public override (Tensor, Tensor, Tensor) forward(Tensor input, (Tensor, Tensor)? h0_c0 = null)
    {
        var (o, h, c) = Run(0, input, h0_c0?.Item1, h0_c0?.Item2);
        return (o, h, c!);
    }

    public (Tensor, Tensor, Tensor) call(Tensor input) => forward(input, null);
}

/// <summary>GRU: forward(input, h0?) → (output, h_n).</summary>
public sealed class GRU : RecurrentBase<Tensor?, (Tensor, Tensor)>
{
    internal GRU(long inputSize, long hiddenSize, long numLayers, bool bias, bool batchFirst, double dropout, bool bidirectional)
        : base(nameof(GRU), 3, inputSize, hiddenSize, numLayers, bias, batchFirst, dropout, bidirectional) { }

    public override (Tensor, Tensor) forward(Tensor input, Tensor? h0 = null)
    {
        var (o, h, _) = Run(1, input, h0, null);
        return (o, h);
    }

    public (Tensor, Tensor) call(Tensor input) => forward(input, null);
}
