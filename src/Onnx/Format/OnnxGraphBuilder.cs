namespace RbpPipeline.Onnx.Format;

/// <summary>
/// Assembles an ONNX graph node by node. Generated value names are deterministic (a counter per builder), so the
/// same sequence of calls gives byte-identical models.
/// </summary>
public sealed class OnnxGraphBuilder
{
    /// <summary>The operator set our graphs target: 17, checkable by Debian's python3-onnx 1.12.</summary>
    public const long Opset = 17;

    /// <summary>The IR version that matches opset 17.</summary>
    public const long IrVersion = 8;

    private readonly GraphProto _graph;
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private int _counter;

    public OnnxGraphBuilder(string graphName) => _graph = new GraphProto { Name = graphName };

    public int NodeCount => _graph.Node.Count;

    public string AddInput(string name, TensorProto.Types.DataType type, params OnnxDim[] shape)
    {
        Claim(name);
        _graph.Input.Add(ValueInfo(name, type, shape));
        return name;
    }

    public void AddOutput(string name, TensorProto.Types.DataType type, params OnnxDim[] shape) =>
        _graph.Output.Add(ValueInfo(name, type, shape));

    public string AddInitializer(TensorProto tensor)
    {
        Claim(tensor.Name);
        _graph.Initializer.Add(tensor);
        return tensor.Name;
    }

    public string AddFloatInitializer(string name, ReadOnlySpan<float> data, params long[] dims) =>
        AddInitializer(OnnxTensors.Float(name, data, dims));

    public string AddInt64Initializer(string name, ReadOnlySpan<long> data, params long[] dims) =>
        AddInitializer(OnnxTensors.Int64(name, data, dims));

    /// <summary>Adds a node with one generated output name (prefixed by <paramref name="hint"/>) and returns it.</summary>
    public string AddNode(string opType, IReadOnlyList<string> inputs, string? hint = null, params AttributeProto[] attributes) =>
        AddNode(opType, inputs, 1, hint, attributes)[0];

    /// <summary>Adds a node with <paramref name="outputCount"/> generated output names.</summary>
    public string[] AddNode(string opType, IReadOnlyList<string> inputs, int outputCount, string? hint, params AttributeProto[] attributes)
    {
        var prefix = hint ?? opType.ToLowerInvariant();
        var outputs = new string[outputCount];
        for (var i = 0; i < outputCount; i++) outputs[i] = Fresh(prefix);
        AddNodeWithOutputs(opType, inputs, outputs, attributes);
        return outputs;
    }

    /// <summary>Adds a node whose outputs are named by the caller (e.g. graph outputs).</summary>
    public void AddNodeWithOutputs(string opType, IReadOnlyList<string> inputs, IReadOnlyList<string> outputs, params AttributeProto[] attributes)
    {
        foreach (var input in inputs)
            if (input.Length > 0 && !_names.Contains(input))
                throw new InvalidOperationException($"node {opType}: input '{input}' is not defined before use");
        var node = new NodeProto { OpType = opType, Name = $"{opType}_{_graph.Node.Count}" };
        node.Input.AddRange(inputs);
        foreach (var output in outputs) { if (!_names.Contains(output)) Claim(output); node.Output.Add(output); }
        node.Attribute.AddRange(attributes);
        _graph.Node.Add(node);
    }

    /// <summary>The finished model with the given metadata (written sorted by key for determinism).</summary>
    public ModelProto Build(string producerVersion, IEnumerable<KeyValuePair<string, string>>? metadata = null, string docString = "")
    {
        var model = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "RbpPipeline",
            ProducerVersion = producerVersion,
            DocString = docString,
            Graph = _graph.Clone(),
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        foreach (var (key, value) in (metadata ?? []).OrderBy(kv => kv.Key, StringComparer.Ordinal))
            model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        return model;
    }

    private string Fresh(string prefix)
    {
        string name;
        do name = $"{prefix}_{_counter++}"; while (_names.Contains(name));
        return name;
    }

    private void Claim(string name)
    {
        if (string.IsNullOrEmpty(name)) throw new ArgumentException("ONNX value names must not be empty");
        if (!_names.Add(name)) throw new InvalidOperationException($"ONNX value name '{name}' is defined twice");
    }

    private static ValueInfoProto ValueInfo(string name, TensorProto.Types.DataType type, OnnxDim[] shape)
    {
        var tensorShape = new TensorShapeProto();
        tensorShape.Dim.AddRange(shape.Select(d => d.ToProto()));
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = tensorShape } },
        };
    }
}
