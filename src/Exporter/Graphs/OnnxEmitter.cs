using System.Globalization;
using System.Runtime.InteropServices;
using RbpPipeline.Onnx.Format;
using static RbpPipeline.Onnx.Format.OnnxAttributes;

namespace RbpPipeline.Exporter.Graphs;

/// <summary>
/// A thin layer over <see cref="OnnxGraphBuilder"/> with one method per ONNX operator the exporter uses and a cache of
/// constants (scalars, shape vectors, index tensors), so a constant needed many times is one initializer. Every name
/// comes from a counter or the network's own node names, so the same calls give the same bytes.
/// </summary>
internal sealed class OnnxEmitter(string graphName)
{
    private const TensorProto.Types.DataType Float = TensorProto.Types.DataType.Float;
    private readonly OnnxGraphBuilder _g = new(graphName);
    private readonly Dictionary<string, string> _constants = new(StringComparer.Ordinal);
    private readonly HashSet<string> _initializerNames = new(StringComparer.Ordinal);

    public int NodeCount => _g.NodeCount;

    public string Input(string name, params OnnxDim[] shape) => _g.AddInput(name, Float, shape);

    /// <summary>Makes <paramref name="value"/> a graph output called <paramref name="name"/> (through an Identity node).</summary>
    public void Output(string name, string value, params OnnxDim[] shape)
    {
        _g.AddNodeWithOutputs("Identity", [value], [name]);
        _g.AddOutput(name, Float, shape);
    }

    public ModelProto Build(string producerVersion, IEnumerable<KeyValuePair<string, string>> metadata, string doc) =>
        _g.Build(producerVersion, metadata, doc);

    // ---- initializers and constants ------------------------------------------------------------------------

    /// <summary>
    /// A float initializer named after <paramref name="name"/> (made unique with a suffix if needed). Initializer names
    /// always contain a '.', which generated value names (sanitized hints) never do, so the two cannot collide.
    /// </summary>
    public string Weight(string name, ReadOnlySpan<float> data, params long[] dims)
    {
        var unique = name;
        if (!name.Contains('.')) unique = name = $"w.{name}";
        for (var i = 1; !_initializerNames.Add(unique); i++) unique = $"{name}.{i}";
        return _g.AddFloatInitializer(unique, data, dims);
    }

    public string Scalar(float value) =>
        Cached($"f:{BitConverter.SingleToInt32Bits(value)}", () => Weight($"const.{Format(value)}", [value]));

    /// <summary>A float vector constant [n] (cached by content).</summary>
    public string Floats(string name, float[] values, params long[] dims) =>
        Cached($"fv:{name}:{string.Join(",", dims)}:{Convert.ToHexString(MemoryMarshal.AsBytes(values.AsSpan()))}",
            () => Weight(name, values, dims));

    /// <summary>An int64 vector constant (shapes, axes, split sizes).</summary>
    public string Ints(params long[] values) =>
        Cached($"i:{string.Join(",", values)}", () =>
        {
            var name = $"ints.{string.Join(".", values.Select(v => v < 0 ? $"m{-v}" : v.ToString(CultureInfo.InvariantCulture)))}";
            _initializerNames.Add(name);
            return _g.AddInt64Initializer(name, values, values.Length);
        });

    /// <summary>A 0-d int64 constant (Gather's scalar index).</summary>
    public string IndexScalar(long value) =>
        Cached($"s:{value}", () =>
        {
            var name = $"index.{value}";
            _initializerNames.Add(name);
            return _g.AddInitializer(OnnxTensors.Int64(name, [value]));
        });

    private string Cached(string key, Func<string> create)
    {
        if (_constants.TryGetValue(key, out var name)) return name;
        name = create();
        _constants[key] = name;
        return name;
    }

    private static string Format(float v) =>
        v.ToString("R", CultureInfo.InvariantCulture).Replace("-", "m", StringComparison.Ordinal).Replace("+", "", StringComparison.Ordinal);

    // ---- operators -----------------------------------------------------------------------------------------

    public string Op(string type, IReadOnlyList<string> inputs, string? hint = null, params AttributeProto[] attributes) =>
        _g.AddNode(type, inputs, Hint(hint), attributes);

    public string[] Ops(string type, IReadOnlyList<string> inputs, int outputs, string? hint, params AttributeProto[] attributes) =>
        _g.AddNode(type, inputs, outputs, Hint(hint), attributes);

    public string Add(string a, string b, string? hint = null) => Op("Add", [a, b], hint);

    public string Sub(string a, string b, string? hint = null) => Op("Sub", [a, b], hint);

    public string Mul(string a, string b, string? hint = null) => Op("Mul", [a, b], hint);

    public string Div(string a, string b, string? hint = null) => Op("Div", [a, b], hint);

    public string MatMul(string a, string b, string? hint = null) => Op("MatMul", [a, b], hint);

    public string Sigmoid(string x, string? hint = null) => Op("Sigmoid", [x], hint);

    public string Tanh(string x, string? hint = null) => Op("Tanh", [x], hint);

    public string Reshape(string x, long[] shape, string? hint = null) => Op("Reshape", [x, Ints(shape)], hint);

    public string Transpose(string x, long[] perm, string? hint = null) => Op("Transpose", [x], hint, OnnxAttributes.Ints("perm", perm));

    public string Unsqueeze(string x, long axis, string? hint = null) => Op("Unsqueeze", [x, Ints(axis)], hint);

    public string Squeeze(string x, long axis, string? hint = null) => Op("Squeeze", [x, Ints(axis)], hint);

    public string Concat(IReadOnlyList<string> xs, long axis, string? hint = null) =>
        xs.Count == 1 ? xs[0] : Op("Concat", xs, hint, Int("axis", axis));

    public string[] Split(string x, long axis, long[] sizes, string? hint = null) =>
        Ops("Split", [x, Ints(sizes)], sizes.Length, hint, Int("axis", axis));

    public string Gather(string x, long index, long axis, string? hint = null) =>
        Op("Gather", [x, IndexScalar(index)], hint, Int("axis", axis));

    /// <summary>x·(1 − x): the derivative of the sigmoid expressed through its output.</summary>
    public string SigmoidSlope(string s, string? hint = null) => Mul(s, Sub(Scalar(1f), s, hint), hint);

    /// <summary>1 − t²: the derivative of tanh expressed through its output.</summary>
    public string TanhSlope(string t, string? hint = null) => Sub(Scalar(1f), Mul(t, t, hint), hint);

    /// <summary>Zeros shaped like <paramref name="like"/> (whose values are not read).</summary>
    public string ZerosLike(string like, string? hint = null) =>
        Op("ConstantOfShape", [Op("Shape", [like], hint)], hint, Tensor("value", OnnxTensors.Float("value", [0f], 1)));

    private static string? Hint(string? hint) => hint is null ? null : Sanitize(hint);

    /// <summary>Value names from node names: letters, digits and '_' only.</summary>
    public static string Sanitize(string name)
    {
        var chars = name.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_').ToArray();
        return new string(chars);
    }
}
