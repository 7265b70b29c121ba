namespace RbpPipeline.Onnx.Format;

/// <summary>One dimension of a graph input or output: a fixed size or a symbolic name such as "batch".</summary>
public readonly record struct OnnxDim(long? Value, string? Param)
{
    public static OnnxDim Batch { get; } = new(null, "batch");

    public static implicit operator OnnxDim(long value) => new(value, null);

    public static OnnxDim Symbolic(string name) => new(null, name);

    internal TensorShapeProto.Types.Dimension ToProto() =>
        Value is { } v ? new() { DimValue = v } : new() { DimParam = Param ?? throw new InvalidOperationException("a dimension needs a value or a name") };
}
