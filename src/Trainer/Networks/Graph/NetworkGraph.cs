using System.Globalization;
using System.Text;

namespace RbpPipeline.Trainer.Networks;

/// <summary>
/// The one definition of a network: a DAG of typed layer nodes in topological order (a node's inputs always have
/// smaller ids), with its input nodes in <see cref="NetworkShape.Inputs"/> order and exactly one output node, last.
/// The Trainer runs it through <see cref="GraphNetwork"/>; the Exporter walks the same nodes to write ONNX.
/// Construct with <see cref="GraphBuilder"/>; the constructor validates the whole graph (structure, names, state
/// names, and shapes via <see cref="InferShapes"/>).
/// </summary>
public sealed class NetworkGraph
{
    public NetworkGraph(IEnumerable<GraphNode> nodes)
    {
        Nodes = [.. nodes];
        Validate();
        Inputs = [.. Nodes.OfType<InputNode>()];
        Output = (OutputNode)Nodes[^1];
        State = [.. Nodes.SelectMany(n => n.State)];
        Shapes = InferShapes();
    }

    /// <summary>All nodes; <c>Nodes[i].Id == i</c> and the order is topological.</summary>
    public IReadOnlyList<GraphNode> Nodes { get; }

    /// <summary>The input nodes in input order (the order of the tensors <see cref="INetwork.Forward"/> takes).</summary>
    public IReadOnlyList<InputNode> Inputs { get; }

    public OutputNode Output { get; }

    /// <summary>Every parameter and buffer, in node order: exactly the module's state_dict names and shapes.</summary>
    public IReadOnlyList<StateTensor> State { get; }

    /// <summary>Output shape of every node (by id) for the graph's own input lengths, batch as -1.</summary>
    public IReadOnlyList<long[]> Shapes { get; }

    public GraphNode this[int id] => Nodes[id];

    public GraphNode this[string name] =>
        Nodes.FirstOrDefault(n => n.Name == name) ?? throw new KeyNotFoundException($"the graph has no node '{name}'");

    /// <summary>Ids of the nodes that consume node <paramref name="id"/>'s output.</summary>
    public IReadOnlyList<int> Consumers(int id) => [.. Nodes.Where(n => n.Inputs.Contains(id)).Select(n => n.Id)];

    /// <summary>
    /// Output shape of every node (indexed by id), batch first. <paramref name="batch"/> -1 leaves the batch symbolic;
    /// <paramref name="lengths"/> overrides input lengths by input name (the input nodes' own lengths otherwise).
    /// </summary>
    /// <exception cref="ArgumentException">A node cannot take its inputs (e.g. an input too short); the message names it.</exception>
    public IReadOnlyList<long[]> InferShapes(long batch = -1, IReadOnlyDictionary<string, int>? lengths = null)
    {
        var shapes = new long[Nodes.Count][];
        foreach (var node in Nodes)
        {
            if (node is InputNode input)
            {
                var length = lengths is not null && lengths.TryGetValue(input.InputName, out var l) ? l : input.Length;
                if (input.Length == 0 && length != 0)
                    throw new ArgumentException($"input '{input.InputName}' is a feature vector and has no length");
                shapes[node.Id] = input.Length == 0 ? [batch, input.Channels] : [batch, input.Channels, length];
                continue;
            }
            shapes[node.Id] = node.InferShape([.. node.Inputs.Select(i => shapes[i])]);
        }
        return shapes;
    }

    /// <summary>A readable listing: one line per node with its inputs, attributes and output shape.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        foreach (var node in Nodes)
        {
            var inputs = string.Join(", ", node.Inputs.Select(i => Nodes[i].Name));
            sb.Append(CultureInfo.InvariantCulture, $"{node.Id,3} {node.Name,-24} {node.Op,-12} ({inputs}) → [{GraphNode.Fmt(Shapes[node.Id])}]");
            sb.AppendLine();
        }
        return sb.ToString();
    }

    private void Validate()
    {
        if (Nodes.Count == 0) throw new ArgumentException("a network graph needs nodes");
        var names = new HashSet<string>(StringComparer.Ordinal);
        var inputNames = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < Nodes.Count; i++)
        {
            var node = Nodes[i];
            if (node.Id != i) throw new ArgumentException($"node '{node.Name}' has id {node.Id} but is at position {i}");
            if (string.IsNullOrWhiteSpace(node.Name)) throw new ArgumentException($"node {i} ({node.Op}) has no name");
            if (!names.Add(node.Name)) throw new ArgumentException($"node name '{node.Name}' is used twice");
            if (node.Arity >= 0 && node.Inputs.Count != node.Arity)
                throw new ArgumentException($"node '{node.Name}' ({node.Op}) takes {node.Arity} input(s), has {node.Inputs.Count}");
            if (node.Arity < 0 && node.Inputs.Count == 0)
                throw new ArgumentException($"node '{node.Name}' ({node.Op}) needs at least one input");
            foreach (var j in node.Inputs)
                if (j < 0 || j >= i)
                    throw new ArgumentException($"node '{node.Name}' reads node {j}, which does not come before it (the order must be topological)");
            if (node is InputNode input)
            {
                if (!inputNames.Add(input.InputName)) throw new ArgumentException($"input '{input.InputName}' appears twice");
                if (input.Channels < 1 || input.Length < 0) throw new ArgumentException($"input '{input.InputName}' has {input.Channels} channels and length {input.Length}");
            }
            if (node is OutputNode && i != Nodes.Count - 1) throw new ArgumentException("the output node must be the last node");
            if (node.Name.Split('.').Any(s => s.Length == 0)) throw new ArgumentException($"node name '{node.Name}' has an empty path segment");
        }
        if (Nodes[^1] is not OutputNode) throw new ArgumentException("the last node must be an output node");
        if (inputNames.Count == 0) throw new ArgumentException("a network graph needs at least one input");
        for (var i = 0; i < Nodes.Count - 1; i++)
            if (!Nodes.Any(n => n.Inputs.Contains(i)))
                throw new ArgumentException($"node '{Nodes[i].Name}' ({Nodes[i].Op}) is never used");
        var stateNames = new HashSet<string>(StringComparer.Ordinal);
        foreach (var s in Nodes.SelectMany(n => n.State))
            if (!stateNames.Add(s.Name)) throw new ArgumentException($"state tensor '{s.Name}' is defined twice");
        // A stateful node's path must not be the prefix of another's (the module tree could not hold both).
        var paths = Nodes.Where(n => n.State.Count > 0).Select(n => n.Name).ToList();
        foreach (var a in paths)
            foreach (var b in paths)
                if (b.StartsWith(a + ".", StringComparison.Ordinal))
                    throw new ArgumentException($"module path '{a}' is also a prefix of '{b}'");
    }
}
