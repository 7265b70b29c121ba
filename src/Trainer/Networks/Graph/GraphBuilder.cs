namespace RbpPipeline.Trainer.Networks;

/// <summary>
/// How a convolution pads, resolved to explicit amounts before it enters the graph: <see cref="Valid"/> (none),
/// <see cref="Same"/> (total Dilation·(Kernel−1), the odd zero at the end), or explicit begin/end amounts.
/// </summary>
public readonly record struct ConvPadding(string Mode, int Begin = 0, int End = 0)
{
    public static ConvPadding Valid => new("valid");

    public static ConvPadding Same => new("same");

    public static ConvPadding Explicit(int begin, int end) => new("explicit", begin, end);

    /// <summary>(begin, end) zeros for a stride-1 convolution of this kernel and dilation.</summary>
    public (int Begin, int End) Resolve(int kernel, int dilation) => Mode switch
    {
        "valid" => (0, 0),
        "same" => (dilation * (kernel - 1) / 2, dilation * (kernel - 1) - dilation * (kernel - 1) / 2),
        _ => (Begin, End),
    };

    /// <summary>"valid" or "same".</summary>
    public static ConvPadding Parse(string mode) => mode switch
    {
        "valid" => Valid,
        "same" => Same,
        _ => throw new ArgumentException($"padding must be 'valid' or 'same', got '{mode}'"),
    };
}

/// <summary>
/// Builds a <see cref="NetworkGraph"/> node by node, inferring shapes as it goes so that each layer can take its input
/// size from what feeds it. Names of stateful nodes are module paths ("res.conv1"); stateless nodes are named
/// automatically ("relu_7") unless a name is given.
/// </summary>
public sealed class GraphBuilder
{
    private readonly List<GraphNode> _nodes = new();
    private readonly List<long[]> _shapes = new();

    /// <summary>The output shape of <paramref name="node"/>, batch as -1.</summary>
    public long[] Shape(NodeHandle node) => _shapes[node.Id];

    public int Count => _nodes.Count;

    /// <summary>Adds a node reading <paramref name="inputs"/>; returns its id.</summary>
    public NodeHandle Add(GraphNode node, string? name, params NodeHandle[] inputs)
    {
        var id = _nodes.Count;
        var named = node with { Id = id, Name = name ?? $"{node.Op.ToLowerInvariant()}_{id}", Inputs = [.. inputs.Select(i => i.Id)] };
        foreach (var i in inputs)
            if (i.Id < 0 || i.Id >= id) throw new ArgumentException($"node '{named.Name}' reads unknown {i}");
        var shape = named is InputNode input
            ? input.Length == 0 ? new long[] { -1, input.Channels } : [-1, input.Channels, input.Length]
            : named.InferShape([.. inputs.Select(Shape)]);
        _nodes.Add(named);
        _shapes.Add(shape);
        return new NodeHandle(id);
    }

    public NodeHandle Input(NetworkInput input) => Add(new InputNode(input.Name, input.Channels, input.Length), input.Name);

    public NodeHandle Conv1d(NodeHandle x, string name, int outChannels, int kernel, ConvPadding padding, int dilation = 1, int stride = 1,
        bool bias = true, WeightInit init = WeightInit.Default)
    {
        if (padding.Mode == "same" && stride != 1) throw new ArgumentException($"'{name}': 'same' padding needs stride 1");
        var (begin, end) = padding.Resolve(kernel, dilation);
        return Add(new Conv1dNode((int)Shape(x)[1], outChannels, kernel, stride, begin, end, dilation, bias, init), name, x);
    }

    /// <summary>2-D convolution, valid padding, stride 1 (what the architectures here need; the node itself is general).</summary>
    public NodeHandle Conv2d(NodeHandle x, string name, int outChannels, int kernelH, int kernelW, bool bias = true, WeightInit init = WeightInit.Default) =>
        Add(new Conv2dNode((int)Shape(x)[1], outChannels, kernelH, kernelW, 1, 1, 0, 0, 0, 0, 1, 1, bias, init), name, x);

    public NodeHandle BatchNorm(NodeHandle x, string name, double eps = 1e-5, double momentum = 0.1) =>
        Add(new BatchNormNode((int)Shape(x)[1], Shape(x).Length == 4 ? 2 : 1, eps, momentum), name, x);

    public NodeHandle Linear(NodeHandle x, string name, int outFeatures, bool bias = true, WeightInit init = WeightInit.Default) =>
        Add(new LinearNode((int)Shape(x)[^1], outFeatures, bias, init), name, x);

    /// <summary>Adds dropout, or nothing when <paramref name="p"/> is 0 (the graph holds no no-op nodes).</summary>
    public NodeHandle Dropout(NodeHandle x, double p, string? name = null) => p == 0 ? x : Add(new DropoutNode(p), name, x);

    public NodeHandle Relu(NodeHandle x, string? name = null) => Add(new ActivationNode(Activation.Relu), name, x);

    public NodeHandle Sigmoid(NodeHandle x, string? name = null) => Add(new ActivationNode(Activation.Sigmoid), name, x);

    public NodeHandle Tanh(NodeHandle x, string? name = null) => Add(new ActivationNode(Activation.Tanh), name, x);

    public NodeHandle MaxPool1d(NodeHandle x, int kernel, int? stride = null, string? name = null) => Add(new MaxPool1dNode(kernel, stride ?? kernel), name, x);

    public NodeHandle AvgPool1d(NodeHandle x, int kernel, int? stride = null, string? name = null) => Add(new AvgPool1dNode(kernel, stride ?? kernel), name, x);

    public NodeHandle Flatten(NodeHandle x, string? name = null) => Add(new FlattenNode(1), name, x);

    public NodeHandle Permute(NodeHandle x, int[] dims, string? name = null) => Add(new PermuteNode(dims), name, x);

    public NodeHandle Unsqueeze(NodeHandle x, int dim, string? name = null) => Add(new UnsqueezeNode(dim), name, x);

    /// <summary>Concatenates along <paramref name="axis"/>; a single input is passed through without a node.</summary>
    public NodeHandle Concat(int axis, IReadOnlyList<NodeHandle> xs, string? name = null) => xs.Count == 1 ? xs[0] : Add(new ConcatNode(axis), name, [.. xs]);

    public NodeHandle Sum(NodeHandle a, NodeHandle b, string? name = null) => Add(new AddNode(), name, a, b);

    public NodeHandle Recurrent(NodeHandle x, string name, RecurrentCell cell, int hidden, int layers, bool bidirectional, RecurrentOutput output) =>
        Add(new RecurrentNode(cell, (int)Shape(x)[2], hidden, layers, bidirectional, output), name, x);

    public NodeHandle Reduce(NodeHandle x, ReduceOp op, int axis, string? name = null) => Add(new ReduceNode(op, axis), name, x);

    /// <summary>
    /// Copies <paramref name="graph"/>'s nodes into this graph with every name prefixed by "<paramref name="prefix"/>."
    /// (so its state names become "prefix.conv1.weight"), its inputs bound to existing nodes by input name. Returns the
    /// node that fed the embedded graph's output.
    /// </summary>
    public NodeHandle Embed(NetworkGraph graph, string prefix, IReadOnlyDictionary<string, NodeHandle> inputs)
    {
        var map = new NodeHandle[graph.Nodes.Count];
        foreach (var node in graph.Nodes)
        {
            switch (node)
            {
                case InputNode input:
                    if (!inputs.TryGetValue(input.InputName, out var bound))
                        throw new ArgumentException($"embedding '{prefix}': no binding for its input '{input.InputName}'");
                    var want = input.Length == 0 ? new long[] { -1, input.Channels } : [-1, input.Channels, input.Length];
                    if (!Shape(bound).SequenceEqual(want))
                        throw new ArgumentException($"embedding '{prefix}': input '{input.InputName}' expects [{GraphNode.Fmt(want)}], bound to [{GraphNode.Fmt(Shape(bound))}]");
                    map[node.Id] = bound;
                    break;
                case OutputNode:
                    return map[node.Inputs[0]];
                default:
                    map[node.Id] = Add(node, $"{prefix}.{node.Name}", [.. node.Inputs.Select(i => map[i])]);
                    break;
            }
        }
        throw new ArgumentException("the embedded graph has no output");
    }

    /// <summary>Adds the output node and returns the validated graph.</summary>
    public NetworkGraph Build(NodeHandle x, string outputName = "output")
    {
        Add(new OutputNode(outputName), outputName, x);
        return new NetworkGraph(_nodes);
    }
}
