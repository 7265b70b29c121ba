using RbpPipeline.Onnx.Format;
using RbpPipeline.Trainer.Networks;
using static RbpPipeline.Onnx.Format.OnnxAttributes;

namespace RbpPipeline.Exporter.Graphs;

/// <summary>Which of the two exported graphs is being written.</summary>
internal enum GraphKind
{
    /// <summary>model.onnx: predictions only (recurrent layers as ONNX LSTM/GRU operators).</summary>
    Forward,

    /// <summary>gradient.onnx: predictions plus input gradients (recurrent layers unrolled over time).</summary>
    Gradient,
}

/// <summary>
/// Writes a <see cref="NetworkGraph"/> into an <see cref="OnnxEmitter"/>: the forward ops node by node, and (for the
/// gradient graph) the reverse-mode pass over those ops with every weight frozen, so each backward rule is itself a
/// plain inference op with a constant precomputed at export time. Every node type of the IR has a forward and a
/// backward rule here; any other node type fails the export with a message naming the node.
/// </summary>
internal sealed class NetworkLowering
{
    private readonly NetworkGraph _graph;
    private readonly FoldedNetwork _net;
    private readonly OnnxEmitter _e;
    private readonly GraphKind _kind;
    private readonly string[] _values;
    private readonly Dictionary<int, string> _poolIndices = [];
    private readonly Dictionary<int, RecurrentTrace> _recurrent = [];

    public NetworkLowering(FoldedNetwork net, OnnxEmitter emitter, GraphKind kind)
    {
        _net = net;
        _graph = net.Graph;
        _e = emitter;
        _kind = kind;
        _values = new string[_graph.Nodes.Count];
        CheckSupported(_graph);
    }

    /// <summary>Fails on the first node this exporter has no rule for, naming it (before anything is written).</summary>
    public static void CheckSupported(NetworkGraph graph)
    {
        foreach (var node in graph.Nodes)
        {
            var known = node is InputNode or OutputNode or Conv1dNode or Conv2dNode or BatchNormNode or LinearNode or DropoutNode
                or ActivationNode or MaxPool1dNode or MaxPool2dNode or AvgPool1dNode or FlattenNode or PermuteNode or UnsqueezeNode
                or ConcatNode or AddNode or ReduceNode or RecurrentNode;
            if (!known)
                throw new ExportException(
                    $"layer '{node.Name}' ({node.Op}, {node.GetType().Name}) cannot be exported: the exporter has no ONNX rule for this node type");
            if (node is ActivationNode a && !Enum.IsDefined(a.Function))
                throw new ExportException($"layer '{node.Name}' ({node.Op}): activation {a.Function} has no ONNX rule");
        }
    }

    private long[] Shape(int id) => _graph.Shapes[id];

    private readonly Dictionary<string, string> _weights = new(StringComparer.Ordinal);

    /// <summary>An initializer by name, created once and shared by the forward and the backward ops that use it.</summary>
    private string W(string name, float[] data, params long[] dims)
    {
        if (!_weights.TryGetValue(name, out var value)) _weights[name] = value = _e.Weight(name, data, dims);
        return value;
    }

    /// <summary>The ONNX value of node <paramref name="id"/>'s output (after <see cref="Forward"/>).</summary>
    public string Value(int id) => _values[id];

    /// <summary>Emits every node's forward op; returns the value of the output node (the raw outputs).</summary>
    public string Forward()
    {
        foreach (var node in _graph.Nodes)
        {
            var x = node.Inputs.Select(i => _values[i]).ToArray();
            _values[node.Id] = node switch
            {
                InputNode input => input.Length == 0
                    ? _e.Input(input.InputName, OnnxDim.Batch, input.Channels)
                    : _e.Input(input.InputName, OnnxDim.Batch, input.Channels, input.Length),
                OutputNode => x[0],
                Conv1dNode c => Conv(c, x[0], [c.Kernel], [c.PadBegin, c.PadEnd], [c.Stride], [c.Dilation]),
                Conv2dNode c => Conv(c, x[0], [c.KernelH, c.KernelW], [c.PadTop, c.PadLeft, c.PadBottom, c.PadRight],
                    [c.StrideH, c.StrideW], [c.DilationH, c.DilationW]),
                BatchNormNode bn => _net.IsFolded(bn.Id) ? x[0] : BatchNorm(bn, x[0]),
                LinearNode l => Linear(l, x[0]),
                DropoutNode => x[0],
                ActivationNode a => _e.Op(a.Function switch { Activation.Relu => "Relu", Activation.Sigmoid => "Sigmoid", _ => "Tanh" }, [x[0]], a.Name),
                MaxPool1dNode p => MaxPool(p, x[0], [p.Kernel], [p.Stride], [p.Padding, p.Padding], p.CeilMode),
                MaxPool2dNode p => MaxPool(p, x[0], [p.KernelH, p.KernelW], [p.StrideH, p.StrideW], [p.PadH, p.PadW, p.PadH, p.PadW], p.CeilMode),
                AvgPool1dNode p => AvgPool(p, x[0]),
                FlattenNode f => _e.Reshape(x[0], [.. Enumerable.Repeat(0L, f.StartDim), -1], f.Name),
                PermuteNode p => _e.Transpose(x[0], [.. p.Dims.Select(d => (long)d)], p.Name),
                UnsqueezeNode u => _e.Unsqueeze(x[0], u.Dim, u.Name),
                ConcatNode c => _e.Concat(x, c.Axis, c.Name),
                AddNode a => _e.Add(x[0], x[1], a.Name),
                ReduceNode r => _e.Op(r.Reduction == ReduceOp.Mean ? "ReduceMean" : "ReduceMax", [x[0]], r.Name, Ints("axes", r.Axis), Int("keepdims", 0)),
                RecurrentNode r => _kind == GraphKind.Forward ? RecurrentOps.Forward(_e, _net.Weights, r, x[0], Shape(r.Inputs[0])) : Unrolled(r, x[0]),
                _ => throw new ExportException($"layer '{node.Name}' ({node.Op}) cannot be exported: no ONNX rule for {node.GetType().Name}"),
            };
        }
        return _values[_graph.Output.Id];
    }

    // ---- forward rules ---------------------------------------------------------------------------------------

    private string Conv(GraphNode node, string x, long[] kernel, long[] pads, long[] strides, long[] dilations)
    {
        var layer = _net.Layer(node.Id);
        var w = W($"{node.Name}.weight", layer.Weight, layer.WeightShape);
        List<string> inputs = [x, w];
        if (layer.Bias is { } b) inputs.Add(W($"{node.Name}.bias", b, b.Length));
        return _e.Op("Conv", inputs, node.Name, Ints("kernel_shape", kernel), Ints("pads", pads), Ints("strides", strides), Ints("dilations", dilations));
    }

    private long[] ChannelBroadcastShape(int id)
    {
        var rank = Shape(id).Length;
        var c = Shape(id)[1];
        return [c, .. Enumerable.Repeat(1L, rank - 2)];
    }

    private string BatchNorm(BatchNormNode bn, string x)
    {
        var (scale, shift) = _net.BatchNorm(bn.Id);
        var dims = ChannelBroadcastShape(bn.Id);
        var s = W($"{bn.Name}.scale", scale, dims);
        var t = W($"{bn.Name}.shift", shift, dims);
        return _e.Add(_e.Mul(x, s, bn.Name), t, bn.Name);
    }

    private string Linear(LinearNode l, string x)
    {
        var layer = _net.Layer(l.Id);
        if (Shape(l.Inputs[0]).Length == 2)
        {
            var w = W($"{l.Name}.weight", layer.Weight, layer.WeightShape);
            List<string> inputs = [x, w];
            if (layer.Bias is { } b) inputs.Add(W($"{l.Name}.bias", b, b.Length));
            return _e.Op("Gemm", inputs, l.Name, Int("transB", 1));
        }
        var wt = W($"{l.Name}.weight_t", Transpose2d(layer.Weight, l.OutFeatures, l.InFeatures), l.InFeatures, l.OutFeatures);
        var y = _e.MatMul(x, wt, l.Name);
        return layer.Bias is { } bias ? _e.Add(y, W($"{l.Name}.bias", bias, bias.Length), l.Name) : y;
    }

    /// <summary>
    /// MaxPool in floor mode. PyTorch's ceil mode drops a last window that would start in the right padding; ONNX
    /// Runtime's does not, so ceil mode is written as floor mode with just enough extra padding at the end to produce
    /// PyTorch's output length (padding never wins a max, and the Indices output ignores padding).
    /// </summary>
    private string MaxPool(GraphNode node, string x, long[] kernel, long[] strides, long[] pads, bool ceil)
    {
        var spatial = kernel.Length;
        pads = (long[])pads.Clone();
        if (ceil)
            for (var a = 0; a < spatial; a++)
            {
                var length = Shape(node.Inputs[0])[2 + a];
                var wanted = Shape(node.Id)[2 + a];
                while ((length + pads[a] + pads[spatial + a] - kernel[a]) / strides[a] + 1 < wanted) pads[spatial + a]++;
            }
        AttributeProto[] attributes = [Ints("kernel_shape", kernel), Ints("strides", strides), Ints("pads", pads)];
        if (_kind == GraphKind.Forward) return _e.Op("MaxPool", [x], node.Name, attributes);
        var outputs = _e.Ops("MaxPool", [x], 2, node.Name, attributes);
        _poolIndices[node.Id] = outputs[1];
        return outputs[0];
    }

    private string AvgPool(AvgPool1dNode p, string x)
    {
        if (p.Padding == 0 && !p.CeilMode)
            return _e.Op("AveragePool", [x], p.Name, Ints("kernel_shape", p.Kernel), Ints("strides", p.Stride), Ints("pads", 0, 0));
        var (m, lIn, lOut) = AveragingMatrix(p);
        var mt = W($"{p.Name}.averaging_t", Transpose2d(m, lOut, lIn), lIn, lOut);
        return _e.MatMul(x, mt, p.Name);
    }

    /// <summary>
    /// M [L_out, L_in] with y = x·Mᵀ, PyTorch's avg_pool1d exactly: window j covers [j·S − P, j·S − P + K) clipped to
    /// [−P, L + P); the divisor is that clipped size with count_include_pad, else the number of real positions in it.
    /// </summary>
    private (float[] M, long LIn, long LOut) AveragingMatrix(AvgPool1dNode p)
    {
        var lIn = Shape(p.Inputs[0])[2];
        var lOut = Shape(p.Id)[2];
        var m = new float[lOut * lIn];
        for (var j = 0; j < lOut; j++)
        {
            long start = j * p.Stride - p.Padding, end = Math.Min(start + p.Kernel, lIn + p.Padding);
            var size = end - start;
            start = Math.Max(start, 0);
            end = Math.Min(end, lIn);
            var divisor = p.CountIncludePad ? size : end - start;
            for (var i = start; i < end; i++) m[j * lIn + i] = (float)(1.0 / divisor);
        }
        return (m, lIn, lOut);
    }

    internal static float[] Transpose2d(float[] a, long rows, long cols)
    {
        var t = new float[a.Length];
        for (long r = 0; r < rows; r++)
            for (long c = 0; c < cols; c++)
                t[c * rows + r] = a[r * cols + c];
        return t;
    }

    private string Unrolled(RecurrentNode r, string x)
    {
        var trace = new RecurrentTrace(_e, _net.Weights, r, Shape(r.Inputs[0]));
        _recurrent[r.Id] = trace;
        return trace.Forward(x);
    }

    // ---- backward ------------------------------------------------------------------------------------------

    /// <summary>
    /// Emits the reverse pass from <paramref name="outputGradient"/> (∂L/∂raw, [N, tasks]) and returns ∂L/∂input for
    /// every input node (by id); an input the outputs do not depend on gets zeros.
    /// </summary>
    public IReadOnlyDictionary<int, string> Backward(string outputGradient)
    {
        var grads = new Dictionary<int, string> { [_graph.Output.Id] = outputGradient };
        for (var id = _graph.Nodes.Count - 1; id >= 0; id--)
        {
            var node = _graph.Nodes[id];
            if (node is InputNode || !grads.TryGetValue(id, out var dy)) continue;
            var x = node.Inputs.Select(i => _values[i]).ToArray();
            switch (node)
            {
                case OutputNode or DropoutNode:
                    Accumulate(grads, node.Inputs[0], dy);
                    break;
                case BatchNormNode bn:
                    if (_net.IsFolded(bn.Id)) Accumulate(grads, bn.Inputs[0], dy);
                    else
                    {
                        var s = W($"{bn.Name}.scale", _net.BatchNorm(bn.Id).Scale, ChannelBroadcastShape(bn.Id));
                        Accumulate(grads, bn.Inputs[0], _e.Mul(dy, s, $"d_{bn.Name}"));
                    }
                    break;
                case Conv1dNode c:
                    Accumulate(grads, c.Inputs[0], ConvBackward(c, dy, [c.Kernel], [c.PadBegin], [c.PadEnd], [c.Stride], [c.Dilation]));
                    break;
                case Conv2dNode c:
                    Accumulate(grads, c.Inputs[0], ConvBackward(c, dy, [c.KernelH, c.KernelW], [c.PadTop, c.PadLeft], [c.PadBottom, c.PadRight],
                        [c.StrideH, c.StrideW], [c.DilationH, c.DilationW]));
                    break;
                case LinearNode l:
                {
                    var layer = _net.Layer(l.Id);
                    var w = W($"{l.Name}.weight", layer.Weight, layer.WeightShape);
                    Accumulate(grads, l.Inputs[0], _e.MatMul(dy, w, $"d_{l.Name}"));
                    break;
                }
                case ActivationNode a:
                    Accumulate(grads, a.Inputs[0], ActivationBackward(a, dy));
                    break;
                case MaxPool1dNode or MaxPool2dNode:
                    Accumulate(grads, node.Inputs[0], MaxPoolBackward(node, x[0], dy));
                    break;
                case AvgPool1dNode p:
                {
                    var (m, lIn, lOut) = AveragingMatrix(p);
                    var mc = W($"{p.Name}.averaging", m, lOut, lIn);
                    Accumulate(grads, p.Inputs[0], _e.MatMul(dy, mc, $"d_{p.Name}"));
                    break;
                }
                case FlattenNode f:
                    Accumulate(grads, f.Inputs[0], _e.Reshape(dy, [0, .. Shape(f.Inputs[0])[1..]], $"d_{f.Name}"));
                    break;
                case PermuteNode p:
                {
                    var inverse = new long[p.Dims.Count];
                    for (var i = 0; i < p.Dims.Count; i++) inverse[p.Dims[i]] = i;
                    Accumulate(grads, p.Inputs[0], _e.Transpose(dy, inverse, $"d_{p.Name}"));
                    break;
                }
                case UnsqueezeNode u:
                    Accumulate(grads, u.Inputs[0], _e.Squeeze(dy, u.Dim, $"d_{u.Name}"));
                    break;
                case ConcatNode c:
                {
                    var sizes = c.Inputs.Select(i => Shape(i)[c.Axis]).ToArray();
                    var parts = _e.Split(dy, c.Axis, sizes, $"d_{c.Name}");
                    for (var i = 0; i < parts.Length; i++) Accumulate(grads, c.Inputs[i], parts[i]);
                    break;
                }
                case AddNode:
                    Accumulate(grads, node.Inputs[0], dy);
                    Accumulate(grads, node.Inputs[1], dy);
                    break;
                case ReduceNode r:
                    Accumulate(grads, r.Inputs[0], ReduceBackward(r, x[0], dy));
                    break;
                case RecurrentNode r:
                    Accumulate(grads, r.Inputs[0], _recurrent[r.Id].Backward(dy));
                    break;
                default:
                    throw new ExportException($"layer '{node.Name}' ({node.Op}) has no backward rule");
            }
        }
        var result = new Dictionary<int, string>();
        foreach (var input in _graph.Inputs)
            result[input.Id] = grads.TryGetValue(input.Id, out var g) ? g : _e.ZerosLike(_values[input.Id], $"d_{input.Name}");
        return result;
    }

    private void Accumulate(Dictionary<int, string> grads, int id, string gradient) =>
        grads[id] = grads.TryGetValue(id, out var existing) ? _e.Add(existing, gradient, $"acc_{_graph.Nodes[id].Name}") : gradient;

    /// <summary>
    /// ∂L/∂x of a convolution with frozen weights. With stride 1 it is a convolution of the output gradient with the
    /// kernel flipped along every spatial axis and its in/out channels swapped, padded by d·(k−1) − pad on each side
    /// (same dilation). Otherwise (stride > 1, or padding larger than the dilated kernel) it is a ConvTranspose with
    /// the forward kernel, pads and strides, plus the output_padding that restores the exact input length.
    /// </summary>
    private string ConvBackward(GraphNode node, string dy, long[] kernel, long[] padBegin, long[] padEnd, long[] strides, long[] dilations)
    {
        var layer = _net.Layer(node.Id);
        var inShape = Shape(node.Inputs[0]);
        var outShape = Shape(node.Id);
        var spatial = kernel.Length;
        var flippedBegin = new long[spatial];
        var flippedEnd = new long[spatial];
        var usable = true;
        for (var a = 0; a < spatial; a++)
        {
            flippedBegin[a] = dilations[a] * (kernel[a] - 1) - padBegin[a];
            flippedEnd[a] = dilations[a] * (kernel[a] - 1) - padEnd[a];
            usable &= strides[a] == 1 && flippedBegin[a] >= 0 && flippedEnd[a] >= 0;
        }
        if (usable)
        {
            var flipped = FlipKernel(layer.Weight, layer.WeightShape);
            long[] flippedShape = [layer.WeightShape[1], layer.WeightShape[0], .. layer.WeightShape[2..]];
            var w = W($"{node.Name}.weight_flipped", flipped, flippedShape);
            return _e.Op("Conv", [dy, w], $"d_{node.Name}", Ints("kernel_shape", kernel), Ints("pads", [.. flippedBegin, .. flippedEnd]),
                Ints("strides", Enumerable.Repeat(1L, spatial).ToArray()), Ints("dilations", dilations));
        }
        var outputPadding = new long[spatial];
        for (var a = 0; a < spatial; a++)
        {
            var length = inShape[2 + a];
            var produced = (outShape[2 + a] - 1) * strides[a] + dilations[a] * (kernel[a] - 1) + 1 - padBegin[a] - padEnd[a];
            outputPadding[a] = length - produced;
            if (outputPadding[a] < 0 || outputPadding[a] >= Math.Max(strides[a], dilations[a]))
                throw new ExportException($"layer '{node.Name}' ({node.Op}): cannot express the input gradient as a ConvTranspose (output padding {outputPadding[a]})");
        }
        var wt = W($"{node.Name}.weight", layer.Weight, layer.WeightShape);
        return _e.Op("ConvTranspose", [dy, wt], $"d_{node.Name}", Ints("kernel_shape", kernel), Ints("pads", [.. padBegin, .. padEnd]),
            Ints("strides", strides), Ints("dilations", dilations), Ints("output_padding", outputPadding));
    }

    /// <summary>W[o, i, k…] → W′[i, o, k…] with every spatial axis reversed.</summary>
    internal static float[] FlipKernel(float[] w, long[] shape)
    {
        long o = shape[0], i = shape[1];
        var spatial = shape[2..];
        var per = spatial.Aggregate(1L, (a, b) => a * b);
        var result = new float[w.Length];
        var index = new long[spatial.Length];
        for (long oo = 0; oo < o; oo++)
            for (long ii = 0; ii < i; ii++)
                for (long k = 0; k < per; k++)
                {
                    // k → multi-index, then the flipped linear index.
                    var rest = k;
                    for (var a = spatial.Length - 1; a >= 0; a--) { index[a] = rest % spatial[a]; rest /= spatial[a]; }
                    long flippedK = 0;
                    for (var a = 0; a < spatial.Length; a++) flippedK = flippedK * spatial[a] + (spatial[a] - 1 - index[a]);
                    result[(ii * o + oo) * per + flippedK] = w[(oo * i + ii) * per + k];
                }
        return result;
    }

    private string ActivationBackward(ActivationNode a, string dy)
    {
        var y = _values[a.Id];
        var hint = $"d_{a.Name}";
        return a.Function switch
        {
            // PyTorch's threshold_backward: the gradient passes where the input was > 0 (equivalently the output).
            Activation.Relu => _e.Op("Where", [_e.Op("Greater", [y, _e.Scalar(0f)], hint), dy, _e.Scalar(0f)], hint),
            Activation.Sigmoid => _e.Mul(dy, _e.SigmoidSlope(y, hint), hint),
            _ => _e.Mul(dy, _e.TanhSlope(y, hint), hint),
        };
    }

    /// <summary>
    /// Routes each output gradient to the input position MaxPool picked (its Indices output, flat over the whole
    /// tensor): ScatterElements with reduction "add" into zeros, so overlapping windows that picked the same
    /// position add up, as PyTorch's max_pool backward does.
    /// </summary>
    private string MaxPoolBackward(GraphNode node, string x, string dy)
    {
        var hint = $"d_{node.Name}";
        var flatX = _e.Reshape(x, [-1], hint);
        var zeros = _e.ZerosLike(flatX, hint);
        var indices = _e.Reshape(_poolIndices[node.Id], [-1], hint);
        var flatDy = _e.Reshape(dy, [-1], hint);
        var scattered = _e.Op("ScatterElements", [zeros, indices, flatDy], hint, Int("axis", 0), OnnxAttributes.String("reduction", "add"));
        return _e.Reshape(scattered, [-1, .. Shape(node.Inputs[0])[1..]], hint);
    }

    private string ReduceBackward(ReduceNode r, string x, string dy)
    {
        var hint = $"d_{r.Name}";
        var expanded = _e.Unsqueeze(dy, r.Axis, hint);
        if (r.Reduction == ReduceOp.Mean)
        {
            var n = Shape(r.Inputs[0])[r.Axis];
            var scaled = _e.Mul(expanded, _e.Scalar((float)(1.0 / n)), hint);
            return _e.Op("Expand", [scaled, _e.Op("Shape", [x], hint)], hint);
        }
        // amax: the gradient is shared evenly among the positions equal to the maximum (PyTorch's amax backward).
        var y = _e.Unsqueeze(_values[r.Id], r.Axis, hint);
        var mask = _e.Op("Cast", [_e.Op("Equal", [x, y], hint)], hint, Int("to", (long)TensorProto.Types.DataType.Float));
        var count = _e.Op("ReduceSum", [mask, _e.Ints(r.Axis)], hint, Int("keepdims", 1));
        return _e.Mul(mask, _e.Div(expanded, count, hint), hint);
    }
}
