using TorchSharp;
using static TorchSharp.torch;

namespace RbpPipeline.Trainer.Networks;

/// <summary>
/// The interpreter of a <see cref="NetworkGraph"/>: one libtorch layer per stateful node, registered under the node's
/// name (so state_dict names are exactly <see cref="NetworkGraph.State"/>), and a forward pass that walks the nodes in
/// order. Stateless nodes run as functional ops; dropout follows the root module's train/eval mode. Nothing is decided
/// here that the graph does not say: asymmetric padding is applied as explicit zero padding before the convolution.
/// Intermediate results are freed as soon as their last consumer has run (autograd keeps what it needs).
/// </summary>
public sealed class GraphNetwork : INetwork
{
    private readonly nn.Module?[] _layers;
    private readonly int[] _lastUse;
    private readonly GraphModule _root;

    public GraphNetwork(string architecture, NetworkShape shape, NetworkGraph graph)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(graph);
        Architecture = architecture;
        Shape = shape;
        Graph = graph;
        if (graph.Inputs.Count != shape.Inputs.Count ||
            graph.Inputs.Zip(shape.Inputs).Any(p => p.First.InputName != p.Second.Name || p.First.Channels != p.Second.Channels || p.First.Length != p.Second.Length))
            throw new ArgumentException(
                $"the graph's inputs ({string.Join(", ", graph.Inputs.Select(i => $"{i.InputName} {i.Channels}×{i.Length}"))}) do not match the shape's " +
                $"({string.Join(", ", shape.Inputs.Select(i => $"{i.Name} {i.Channels}×{i.Length}"))})");
        var outputShape = graph.Shapes[graph.Output.Id];
        if (outputShape.Length != 2 || outputShape[1] != shape.Tasks)
            throw new ArgumentException($"the graph's output is [{GraphNode.Fmt(outputShape)}], the shape asks for [N, {shape.Tasks}]");

        _root = new GraphModule(architecture);
        _layers = new nn.Module?[graph.Nodes.Count];
        var containers = new Dictionary<string, nn.Module>(StringComparer.Ordinal) { [""] = _root };
        foreach (var node in graph.Nodes)
        {
            var layer = CreateLayer(node);
            if (layer is null) continue;
            _layers[node.Id] = layer;
            var cut = node.Name.LastIndexOf('.');
            var parent = Container(containers, cut < 0 ? "" : node.Name[..cut]);
            parent.register_module(cut < 0 ? node.Name : node.Name[(cut + 1)..], layer);
        }
        _lastUse = new int[graph.Nodes.Count];
        foreach (var node in graph.Nodes)
            foreach (var i in node.Inputs)
                _lastUse[i] = Math.Max(_lastUse[i], node.Id);
    }

    public string Architecture { get; }

    public NetworkShape Shape { get; }

    public NetworkGraph Graph { get; }

    public nn.Module Module => _root;

    /// <summary>The libtorch layer built for node <paramref name="id"/> (null for stateless nodes).</summary>
    public nn.Module? Layer(int id) => _layers[id];

    public Tensor Forward(IReadOnlyList<Tensor> inputs) => Run(inputs, null);

    /// <summary>
    /// Runs the graph and also returns every node's output (by id) for inspection, e.g. to compare actual shapes with
    /// <see cref="NetworkGraph.InferShapes"/>. Nothing is freed early; the caller's dispose scope owns all of them.
    /// </summary>
    public IReadOnlyList<Tensor> ForwardAll(IReadOnlyList<Tensor> inputs)
    {
        var all = new Tensor?[Graph.Nodes.Count];
        Run(inputs, all);
        return all!;
    }

    private Tensor Run(IReadOnlyList<Tensor> inputs, Tensor?[]? keep)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Count != Graph.Inputs.Count)
            throw new ArgumentException($"{Architecture} takes {Graph.Inputs.Count} input tensor(s) ({string.Join(", ", Graph.Inputs.Select(i => i.InputName))}), got {inputs.Count}");
        var values = keep ?? new Tensor?[Graph.Nodes.Count];
        var inputIndex = 0;
        long batch = -1;
        foreach (var node in Graph.Nodes)
        {
            Tensor result;
            if (node is InputNode input)
            {
                result = inputs[inputIndex++];
                var shape = result.shape;
                var want = input.SampleShape;
                if (shape.Length != want.Length + 1 || !shape[1..].SequenceEqual(want) || (batch >= 0 && shape[0] != batch))
                    throw new ArgumentException($"input '{input.InputName}' must be [{(batch < 0 ? "N" : batch)}, {string.Join(", ", want)}], got [{string.Join(", ", shape)}]");
                batch = shape[0];
            }
            else
            {
                result = Evaluate(node, [.. node.Inputs.Select(i => values[i]!)]);
            }
            values[node.Id] = result;
            if (keep is not null) continue;
            foreach (var i in node.Inputs.Distinct())
                if (_lastUse[i] == node.Id && Graph.Nodes[i] is not InputNode && !ReferenceEquals(values[i], result))
                {
                    values[i]!.Dispose();
                    values[i] = null;
                }
        }
        return values[Graph.Output.Id]!;
    }

    private Tensor Evaluate(GraphNode node, Tensor[] x)
    {
        var layer = _layers[node.Id];
        switch (node)
        {
            case Conv1dNode c:
                if (c.PadBegin == c.PadEnd) return ((nn.Module<Tensor, Tensor>)layer!).call(x[0]);
                using (var padded = nn.functional.pad(x[0], [c.PadBegin, c.PadEnd]))
                    return ((nn.Module<Tensor, Tensor>)layer!).call(padded);
            case Conv2dNode c:
                if (c.PadTop == c.PadBottom && c.PadLeft == c.PadRight) return ((nn.Module<Tensor, Tensor>)layer!).call(x[0]);
                using (var padded = nn.functional.pad(x[0], [c.PadLeft, c.PadRight, c.PadTop, c.PadBottom]))
                    return ((nn.Module<Tensor, Tensor>)layer!).call(padded);
            case BatchNormNode or LinearNode:
                return ((nn.Module<Tensor, Tensor>)layer!).call(x[0]);
            case DropoutNode d:
                return nn.functional.dropout(x[0], d.P, _root.training);
            case ActivationNode a:
                return a.Function switch
                {
                    Activation.Relu => x[0].relu(),
                    Activation.Sigmoid => x[0].sigmoid(),
                    _ => x[0].tanh(),
                };
            case MaxPool1dNode p:
                return nn.functional.max_pool1d(x[0], p.Kernel, p.Stride, p.Padding, 1, p.CeilMode);
            case MaxPool2dNode p:
                return nn.functional.max_pool2d(x[0], [p.KernelH, p.KernelW], [p.StrideH, p.StrideW], [p.PadH, p.PadW], [1, 1], p.CeilMode);
            case AvgPool1dNode p:
                return nn.functional.avg_pool1d(x[0], p.Kernel, p.Stride, p.Padding, p.CeilMode, p.CountIncludePad);
            case FlattenNode f:
                return x[0].flatten(f.StartDim, -1);
            case PermuteNode p:
                return x[0].permute([.. p.Dims.Select(d => (long)d)]);
            case UnsqueezeNode u:
                return x[0].unsqueeze(u.Dim);
            case ConcatNode c:
                return cat(x, c.Axis);
            case AddNode:
                return x[0] + x[1];
            case ReduceNode r:
                return r.Reduction == ReduceOp.Mean ? x[0].mean([r.Axis]) : x[0].amax([r.Axis], false);
            case RecurrentNode r:
                return RunRecurrent(r, layer!, x[0]);
            case OutputNode:
                return x[0];
            default:
                throw new NotSupportedException($"node '{node.Name}': the interpreter has no rule for {node.Op}");
        }
    }

    private static Tensor RunRecurrent(RecurrentNode node, nn.Module layer, Tensor x)
    {
        Tensor output, hn;
        Tensor? cn = null;
        if (layer is TorchSharp.Modules.LSTM lstm) (output, hn, cn) = lstm.call(x);
        else (output, hn) = ((TorchSharp.Modules.GRU)layer).call(x);
        using (cn)
        {
            if (node.Output == RecurrentOutput.Sequence)
            {
                hn.Dispose();
                return output;
            }
            output.Dispose();
            using (hn)
            {
                // h_n is [layers·D, N, H]: the top layer's directions are its last D rows.
                var top = (node.Layers - 1) * node.Directions;
                if (!node.Bidirectional) return hn.select(0, top);
                using var forward = hn.select(0, top);
                using var backward = hn.select(0, top + 1);
                return cat([forward, backward], 1);
            }
        }
    }

    private static nn.Module? CreateLayer(GraphNode node)
    {
        switch (node)
        {
            case Conv1dNode c:
            {
                var layer = nn.Conv1d(c.InChannels, c.OutChannels, c.Kernel, c.Stride, c.PadBegin == c.PadEnd ? c.PadBegin : 0, c.Dilation, bias: c.Bias);
                Initialise(c.Init, layer.weight, layer.bias);
                return layer;
            }
            case Conv2dNode c:
            {
                var symmetric = c.PadTop == c.PadBottom && c.PadLeft == c.PadRight;
                var layer = nn.Conv2d(c.InChannels, c.OutChannels, (c.KernelH, c.KernelW), (c.StrideH, c.StrideW),
                    symmetric ? (c.PadTop, c.PadLeft) : (0, 0), (c.DilationH, c.DilationW), bias: c.Bias);
                Initialise(c.Init, layer.weight, layer.bias);
                return layer;
            }
            case BatchNormNode b:
                return b.SpatialDims == 2 ? nn.BatchNorm2d(b.Features, b.Eps, b.Momentum) : nn.BatchNorm1d(b.Features, b.Eps, b.Momentum);
            case LinearNode l:
            {
                var layer = nn.Linear(l.InFeatures, l.OutFeatures, l.Bias);
                Initialise(l.Init, layer.weight, layer.bias);
                return layer;
            }
            case RecurrentNode r:
                return r.Cell == RecurrentCell.Lstm
                    ? nn.LSTM(r.InputSize, r.HiddenSize, r.Layers, batchFirst: true, bidirectional: r.Bidirectional)
                    : nn.GRU(r.InputSize, r.HiddenSize, r.Layers, batchFirst: true, bidirectional: r.Bidirectional);
            default:
                if (node.State.Count > 0) throw new NotSupportedException($"node '{node.Name}': no layer for stateful {node.Op}");
                return null;
        }
    }

    private static void Initialise(WeightInit init, Tensor weight, Tensor? bias)
    {
        if (init != WeightInit.XavierUniform) return;
        using (no_grad())
        {
            nn.init.xavier_uniform_(weight);
            if (bias is not null) nn.init.zeros_(bias);
        }
    }

    private static nn.Module Container(Dictionary<string, nn.Module> containers, string path)
    {
        if (containers.TryGetValue(path, out var existing)) return existing;
        var cut = path.LastIndexOf('.');
        var parent = Container(containers, cut < 0 ? "" : path[..cut]);
        var container = new GraphModule("Container");
        parent.register_module(cut < 0 ? path : path[(cut + 1)..], container);
        containers[path] = container;
        return container;
    }

    public void Dispose() => _root.Dispose();

    /// <summary>A plain module that only holds children (the root and every intermediate path segment).</summary>
    private sealed class GraphModule(string name) : nn.Module(name);
}
