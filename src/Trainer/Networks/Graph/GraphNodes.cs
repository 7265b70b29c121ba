namespace RbpPipeline.Trainer.Networks;

/// <summary>How a weight tensor is initialised when a network is created (not needed to run or export a trained one).</summary>
public enum WeightInit
{
    /// <summary>PyTorch's default for the layer (kaiming_uniform(a=√5) weights, U(±1/√fan_in) biases).</summary>
    Default,

    /// <summary>Glorot/Xavier uniform weights and zero biases (Keras' defaults, as Multi-resBind uses).</summary>
    XavierUniform,
}

/// <summary>Whether a state tensor is trained (parameter) or only tracked (BatchNorm running statistics).</summary>
public enum StateKind { Parameter, Buffer }

/// <summary>
/// One tensor of a node's state as it appears in the module's <c>state_dict()</c>: the full dotted name
/// (node name + "." + local name), its shape and element type ("float32", or "int64" for num_batches_tracked).
/// </summary>
public sealed record StateTensor(string Name, string LocalName, IReadOnlyList<long> Shape, StateKind Kind, string DType = "float32");

/// <summary>
/// A node of a <see cref="NetworkGraph"/>. Shapes always include the batch dimension first. Every attribute that
/// changes the computation is a property of the node; the interpreter (<see cref="GraphNetwork"/>) and the Exporter
/// decide nothing on their own.
/// </summary>
public abstract record GraphNode
{
    /// <summary>Index of the node in <see cref="NetworkGraph.Nodes"/> (which is a topological order).</summary>
    public int Id { get; init; }

    /// <summary>
    /// Unique name. For nodes with state it is the module path, so the node's tensors are named
    /// <c>{Name}.weight</c>, <c>{Name}.running_mean</c>, …
    /// </summary>
    public string Name { get; init; } = "";

    /// <summary>Ids of the nodes whose outputs this node consumes, in argument order (all smaller than <see cref="Id"/>).</summary>
    public IReadOnlyList<int> Inputs { get; init; } = [];

    /// <summary>The operation's name as written in docs and messages ("Conv1d", "Concat", …).</summary>
    public abstract string Op { get; }

    /// <summary>Number of inputs the node takes, or -1 for "one or more" (Concat).</summary>
    public virtual int Arity => 1;

    /// <summary>The parameters and buffers this node owns, with full state_dict names.</summary>
    public virtual IReadOnlyList<StateTensor> State => [];

    /// <summary>The output shape for the given input shapes (batch first; a batch of -1 means "any").</summary>
    /// <exception cref="ArgumentException">The inputs do not fit the node; the message names the node.</exception>
    public abstract long[] InferShape(IReadOnlyList<long[]> inputs);

    private protected StateTensor Param(string local, params long[] shape) => new($"{Name}.{local}", local, shape, StateKind.Parameter);

    private protected StateTensor Buffer(string local, string dtype, params long[] shape) => new($"{Name}.{local}", local, shape, StateKind.Buffer, dtype);

    private protected ArgumentException Error(string message) => new($"node '{Name}' ({Op}): {message}");

    private protected long[] Expect(IReadOnlyList<long[]> inputs, int rank)
    {
        var x = inputs[0];
        if (x.Length != rank) throw Error($"expects a {rank}-d input, got [{Fmt(x)}]");
        return x;
    }

    private protected long Positive(long size, string what)
    {
        if (size < 1) throw Error($"{what} would be {size} (the input is too short for this layer)");
        return size;
    }

    internal static string Fmt(IEnumerable<long> shape) => string.Join(", ", shape.Select(d => d < 0 ? "N" : d.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    /// <summary>Output length of a convolution or max-pool window (PyTorch's formula, floor or ceil mode).</summary>
    internal static long WindowOutput(long length, long padTotal, long kernel, long stride, long dilation, bool ceil, long padBegin)
    {
        var span = length + padTotal - dilation * (kernel - 1) - 1;
        if (span < 0) return 0;
        var output = (ceil ? (span + stride - 1) / stride : span / stride) + 1;
        // In ceil mode the last window must start inside the input or its left padding.
        if (ceil && (output - 1) * stride >= length + padBegin) output--;
        return output;
    }
}

/// <summary>A graph input: a float tensor [batch, Channels, Length], or [batch, Channels] when Length is 0 (a feature vector).</summary>
public sealed record InputNode(string InputName, int Channels, int Length) : GraphNode
{
    public override string Op => "Input";
    public override int Arity => 0;

    public long[] SampleShape => Length == 0 ? [Channels] : [Channels, Length];

    public override long[] InferShape(IReadOnlyList<long[]> inputs) => throw Error("an input's shape comes from the batch and its own attributes");
}

/// <summary>The graph's result: passes its single input through unchanged, under the name <see cref="OutputName"/>.</summary>
public sealed record OutputNode(string OutputName) : GraphNode
{
    public override string Op => "Output";

    public override long[] InferShape(IReadOnlyList<long[]> inputs) => inputs[0];
}

/// <summary>
/// 1-D convolution over [N, InChannels, L] → [N, OutChannels, L']. Padding is explicit: PadBegin zeros before and
/// PadEnd zeros after the sequence ('same' with an even total puts the extra zero at the end, as PyTorch and Keras).
/// L' = ⌊(L + PadBegin + PadEnd − Dilation·(Kernel−1) − 1) / Stride⌋ + 1.
/// State: weight [Out, In, Kernel], bias [Out].
/// </summary>
public sealed record Conv1dNode(int InChannels, int OutChannels, int Kernel, int Stride, int PadBegin, int PadEnd, int Dilation,
    bool Bias, WeightInit Init = WeightInit.Default) : GraphNode
{
    public override string Op => "Conv1d";

    public override IReadOnlyList<StateTensor> State =>
        Bias ? [Param("weight", OutChannels, InChannels, Kernel), Param("bias", OutChannels)] : [Param("weight", OutChannels, InChannels, Kernel)];

    public override long[] InferShape(IReadOnlyList<long[]> inputs)
    {
        var x = Expect(inputs, 3);
        if (x[1] != InChannels) throw Error($"expects {InChannels} input channels, got [{Fmt(x)}]");
        return [x[0], OutChannels, Positive(WindowOutput(x[2], PadBegin + PadEnd, Kernel, Stride, Dilation, false, PadBegin), "the output length")];
    }
}

/// <summary>
/// 2-D convolution over [N, InChannels, H, W] → [N, OutChannels, H', W'], with explicit zero padding on each side
/// (H' and W' as for <see cref="Conv1dNode"/>). State: weight [Out, In, KernelH, KernelW], bias [Out].
/// </summary>
public sealed record Conv2dNode(int InChannels, int OutChannels, int KernelH, int KernelW, int StrideH, int StrideW,
    int PadTop, int PadBottom, int PadLeft, int PadRight, int DilationH, int DilationW, bool Bias,
    WeightInit Init = WeightInit.Default) : GraphNode
{
    public override string Op => "Conv2d";

    public override IReadOnlyList<StateTensor> State =>
        Bias ? [Param("weight", OutChannels, InChannels, KernelH, KernelW), Param("bias", OutChannels)]
             : [Param("weight", OutChannels, InChannels, KernelH, KernelW)];

    public override long[] InferShape(IReadOnlyList<long[]> inputs)
    {
        var x = Expect(inputs, 4);
        if (x[1] != InChannels) throw Error($"expects {InChannels} input channels, got [{Fmt(x)}]");
        return
        [
            x[0], OutChannels,
            Positive(WindowOutput(x[2], PadTop + PadBottom, KernelH, StrideH, DilationH, false, PadTop), "the output height"),
            Positive(WindowOutput(x[3], PadLeft + PadRight, KernelW, StrideW, DilationW, false, PadLeft), "the output width"),
        ];
    }
}

/// <summary>
/// Batch normalisation over channel dimension 1 of a [N, C] or [N, C, L] (BatchNorm1d) or [N, C, H, W] (BatchNorm2d)
/// input. Training uses batch statistics and updates the running ones with <see cref="Momentum"/>; inference computes
/// (x − running_mean) / √(running_var + Eps) · weight + bias. State: weight, bias, running_mean, running_var [C] and
/// num_batches_tracked (0-d int64).
/// </summary>
public sealed record BatchNormNode(int Features, int SpatialDims, double Eps = 1e-5, double Momentum = 0.1) : GraphNode
{
    public override string Op => SpatialDims == 2 ? "BatchNorm2d" : "BatchNorm1d";

    public override IReadOnlyList<StateTensor> State =>
    [
        Param("weight", Features), Param("bias", Features),
        Buffer("running_mean", "float32", Features), Buffer("running_var", "float32", Features),
        Buffer("num_batches_tracked", "int64"),
    ];

    public override long[] InferShape(IReadOnlyList<long[]> inputs)
    {
        var x = inputs[0];
        var ok = SpatialDims == 2 ? x.Length == 4 : x.Length is 2 or 3;
        if (!ok) throw Error($"does not accept a {x.Length}-d input [{Fmt(x)}]");
        if (x[1] != Features) throw Error($"expects {Features} channels, got [{Fmt(x)}]");
        return x;
    }
}

/// <summary>y = x·weightᵀ + bias over the last dimension. State: weight [Out, In], bias [Out].</summary>
public sealed record LinearNode(int InFeatures, int OutFeatures, bool Bias = true, WeightInit Init = WeightInit.Default) : GraphNode
{
    public override string Op => "Linear";

    public override IReadOnlyList<StateTensor> State =>
        Bias ? [Param("weight", OutFeatures, InFeatures), Param("bias", OutFeatures)] : [Param("weight", OutFeatures, InFeatures)];

    public override long[] InferShape(IReadOnlyList<long[]> inputs)
    {
        var x = inputs[0];
        if (x.Length < 2 || x[^1] != InFeatures) throw Error($"expects {InFeatures} features in the last dimension, got [{Fmt(x)}]");
        return [.. x[..^1], OutFeatures];
    }
}

/// <summary>Inverted dropout with probability P in training (survivors scaled by 1/(1−P)); the identity at inference.</summary>
public sealed record DropoutNode(double P) : GraphNode
{
    public override string Op => "Dropout";

    public override long[] InferShape(IReadOnlyList<long[]> inputs) => inputs[0];
}

public enum Activation { Relu, Sigmoid, Tanh }

/// <summary>An elementwise activation: max(0, x), 1/(1+e^−x) or tanh(x).</summary>
public sealed record ActivationNode(Activation Function) : GraphNode
{
    public override string Op => Function switch { Activation.Relu => "ReLU", Activation.Sigmoid => "Sigmoid", _ => "Tanh" };

    public override long[] InferShape(IReadOnlyList<long[]> inputs) => inputs[0];
}

/// <summary>
/// Max pooling over the last axis of [N, C, L]: windows of Kernel, step Stride, Padding (−∞) on both sides,
/// floor or ceil output length as PyTorch.
/// </summary>
public sealed record MaxPool1dNode(int Kernel, int Stride, int Padding = 0, bool CeilMode = false) : GraphNode
{
    public override string Op => "MaxPool1d";

    public override long[] InferShape(IReadOnlyList<long[]> inputs)
    {
        var x = Expect(inputs, 3);
        if (Padding * 2 > Kernel) throw Error("padding must be at most half the kernel");
        return [x[0], x[1], Positive(WindowOutput(x[2], 2 * Padding, Kernel, Stride, 1, CeilMode, Padding), "the pooled length")];
    }
}

/// <summary>Max pooling over the last two axes of [N, C, H, W].</summary>
public sealed record MaxPool2dNode(int KernelH, int KernelW, int StrideH, int StrideW, int PadH = 0, int PadW = 0, bool CeilMode = false) : GraphNode
{
    public override string Op => "MaxPool2d";

    public override long[] InferShape(IReadOnlyList<long[]> inputs)
    {
        var x = Expect(inputs, 4);
        if (PadH * 2 > KernelH || PadW * 2 > KernelW) throw Error("padding must be at most half the kernel");
        return
        [
            x[0], x[1],
            Positive(WindowOutput(x[2], 2 * PadH, KernelH, StrideH, 1, CeilMode, PadH), "the pooled height"),
            Positive(WindowOutput(x[3], 2 * PadW, KernelW, StrideW, 1, CeilMode, PadW), "the pooled width"),
        ];
    }
}

/// <summary>
/// Average pooling over the last axis of [N, C, L] (zero Padding on both sides; the divisor counts padded positions
/// when CountIncludePad). L' = ⌊(L + 2·Padding − Kernel) / Stride⌋ + 1 (ceil in CeilMode); positions past the last full
/// window are dropped.
/// </summary>
public sealed record AvgPool1dNode(int Kernel, int Stride, int Padding = 0, bool CeilMode = false, bool CountIncludePad = true) : GraphNode
{
    public override string Op => "AvgPool1d";

    public override long[] InferShape(IReadOnlyList<long[]> inputs)
    {
        var x = Expect(inputs, 3);
        if (Padding * 2 > Kernel) throw Error("padding must be at most half the kernel");
        return [x[0], x[1], Positive(WindowOutput(x[2], 2 * Padding, Kernel, Stride, 1, CeilMode, Padding), "the pooled length")];
    }
}

/// <summary>Flattens dimensions StartDim..last into one (row-major, the last dimension fastest).</summary>
public sealed record FlattenNode(int StartDim = 1) : GraphNode
{
    public override string Op => "Flatten";

    public override long[] InferShape(IReadOnlyList<long[]> inputs)
    {
        var x = inputs[0];
        if (StartDim < 1 || StartDim >= x.Length) throw Error($"start dimension {StartDim} is outside 1..{x.Length - 1} for [{Fmt(x)}]");
        var rest = x[StartDim..];
        return [.. x[..StartDim], rest.Any(d => d < 0) ? -1 : rest.Aggregate(1L, (a, b) => a * b)];
    }
}

/// <summary>Reorders dimensions: output dimension i is input dimension Dims[i]. The batch stays first (Dims[0] = 0).</summary>
public sealed record PermuteNode(IReadOnlyList<int> Dims) : GraphNode
{
    public override string Op => "Permute";

    public override long[] InferShape(IReadOnlyList<long[]> inputs)
    {
        var x = inputs[0];
        if (Dims.Count != x.Length || Dims[0] != 0 || Dims.Distinct().Count() != Dims.Count || Dims.Any(d => d < 0 || d >= x.Length))
            throw Error($"[{string.Join(", ", Dims)}] is not a permutation of the {x.Length} dimensions of [{Fmt(x)}] keeping the batch first");
        return [.. Dims.Select(d => x[d])];
    }
}

/// <summary>Inserts a dimension of size 1 at position Dim (1 ≤ Dim ≤ rank).</summary>
public sealed record UnsqueezeNode(int Dim) : GraphNode
{
    public override string Op => "Unsqueeze";

    public override long[] InferShape(IReadOnlyList<long[]> inputs)
    {
        var x = inputs[0];
        if (Dim < 1 || Dim > x.Length) throw Error($"dimension {Dim} is outside 1..{x.Length}");
        return [.. x[..Dim], 1, .. x[Dim..]];
    }
}

/// <summary>Concatenates its inputs (in input order) along Axis; all other dimensions must agree.</summary>
public sealed record ConcatNode(int Axis) : GraphNode
{
    public override string Op => "Concat";
    public override int Arity => -1;

    public override long[] InferShape(IReadOnlyList<long[]> inputs)
    {
        var first = inputs[0];
        if (Axis < 1 || Axis >= first.Length) throw Error($"axis {Axis} is outside 1..{first.Length - 1}");
        long total = 0;
        foreach (var x in inputs)
        {
            if (x.Length != first.Length || Enumerable.Range(0, x.Length).Any(d => d != Axis && x[d] != first[d]))
                throw Error($"inputs [{string.Join("], [", inputs.Select(Fmt))}] differ outside axis {Axis}");
            total += x[Axis];
        }
        var result = (long[])first.Clone();
        result[Axis] = total;
        return result;
    }
}

/// <summary>Elementwise sum of two inputs of the same shape (a residual connection).</summary>
public sealed record AddNode : GraphNode
{
    public override string Op => "Add";
    public override int Arity => 2;

    public override long[] InferShape(IReadOnlyList<long[]> inputs)
    {
        if (!inputs[0].SequenceEqual(inputs[1])) throw Error($"input shapes [{Fmt(inputs[0])}] and [{Fmt(inputs[1])}] differ");
        return inputs[0];
    }
}

public enum ReduceOp { Mean, Max }

/// <summary>Mean or maximum over one axis (≥ 1), which is removed.</summary>
public sealed record ReduceNode(ReduceOp Reduction, int Axis) : GraphNode
{
    public override string Op => Reduction == ReduceOp.Mean ? "ReduceMean" : "ReduceMax";

    public override long[] InferShape(IReadOnlyList<long[]> inputs)
    {
        var x = inputs[0];
        if (Axis < 1 || Axis >= x.Length) throw Error($"axis {Axis} is outside 1..{x.Length - 1}");
        return [.. x[..Axis], .. x[(Axis + 1)..]];
    }
}

public enum RecurrentCell { Lstm, Gru }

/// <summary>What a recurrent node returns.</summary>
public enum RecurrentOutput
{
    /// <summary>
    /// The output at every time step: [N, T, D·Hidden] with the forward direction's hidden state in the first Hidden
    /// features and the backward direction's in the last Hidden (PyTorch's <c>output</c>).
    /// </summary>
    Sequence,

    /// <summary>
    /// The top layer's final state of each direction: [N, D·Hidden] = forward state after step T−1, then (when
    /// bidirectional) backward state after it has run down to step 0. Equals output[:, T−1, :Hidden] ‖ output[:, 0, Hidden:]
    /// (Keras' <c>Bidirectional(…, return_sequences=False)</c>; PyTorch's h_n of the last layer, directions concatenated).
    /// </summary>
    FinalStates,
}

/// <summary>
/// An LSTM or GRU over a batch-first input [N, T, InputSize], zero initial states, PyTorch's gate order (LSTM: i, f, g, o;
/// GRU: r, z, n) and equations, no dropout between layers. State per layer l and direction (suffix "" or "_reverse"):
/// weight_ih_l{l} [G·Hidden, in_l], weight_hh_l{l} [G·Hidden, Hidden], bias_ih_l{l}, bias_hh_l{l} [G·Hidden],
/// with G = 4 (LSTM) or 3 (GRU) and in_l = InputSize for l = 0, else D·Hidden.
/// </summary>
public sealed record RecurrentNode(RecurrentCell Cell, int InputSize, int HiddenSize, int Layers, bool Bidirectional,
    RecurrentOutput Output) : GraphNode
{
    public override string Op => Cell == RecurrentCell.Lstm ? "LSTM" : "GRU";

    public int Directions => Bidirectional ? 2 : 1;

    public int Gates => Cell == RecurrentCell.Lstm ? 4 : 3;

    public override IReadOnlyList<StateTensor> State
    {
        get
        {
            var list = new List<StateTensor>();
            for (var layer = 0; layer < Layers; layer++)
                for (var direction = 0; direction < Directions; direction++)
                {
                    var suffix = $"_l{layer}{(direction == 1 ? "_reverse" : "")}";
                    long input = layer == 0 ? InputSize : (long)HiddenSize * Directions;
                    list.Add(Param($"weight_ih{suffix}", (long)Gates * HiddenSize, input));
                    list.Add(Param($"weight_hh{suffix}", (long)Gates * HiddenSize, HiddenSize));
                    list.Add(Param($"bias_ih{suffix}", (long)Gates * HiddenSize));
                    list.Add(Param($"bias_hh{suffix}", (long)Gates * HiddenSize));
                }
            return list;
        }
    }

    public override long[] InferShape(IReadOnlyList<long[]> inputs)
    {
        var x = Expect(inputs, 3);
        if (x[2] != InputSize) throw Error($"expects {InputSize} features per time step ([N, T, {InputSize}]), got [{Fmt(x)}]");
        Positive(x[1], "the number of time steps");
        return Output == RecurrentOutput.Sequence ? [x[0], x[1], (long)HiddenSize * Directions] : [x[0], (long)HiddenSize * Directions];
    }
}
