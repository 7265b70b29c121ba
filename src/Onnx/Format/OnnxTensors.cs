using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Google.Protobuf;

namespace RbpPipeline.Onnx.Format;

/// <summary>Builds <see cref="TensorProto"/> values. Data goes into raw_data, little-endian as ONNX requires.</summary>
public static class OnnxTensors
{
    public static TensorProto Float(string name, ReadOnlySpan<float> data, params long[] dims) =>
        Create(name, TensorProto.Types.DataType.Float, MemoryMarshal.AsBytes(data), data.Length, dims);

    public static TensorProto Int64(string name, ReadOnlySpan<long> data, params long[] dims) =>
        Create(name, TensorProto.Types.DataType.Int64, MemoryMarshal.AsBytes(data), data.Length, dims);

    /// <summary>Copies a tensor's float data out (raw_data or float_data), for readers and tests.</summary>
    public static float[] ReadFloats(TensorProto tensor)
    {
        if (tensor.DataType != (int)TensorProto.Types.DataType.Float)
            throw new InvalidDataException($"tensor '{tensor.Name}' has data type {tensor.DataType}, expected FLOAT (1)");
        if (tensor.FloatData.Count > 0) return tensor.FloatData.ToArray();
        var bytes = tensor.RawData.Span;
        var result = new float[bytes.Length / sizeof(float)];
        for (var i = 0; i < result.Length; i++)
            result[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.Slice(i * sizeof(float)));
        return result;
    }

    private static TensorProto Create(string name, TensorProto.Types.DataType type, ReadOnlySpan<byte> bytes, int count, long[] dims)
    {
        long expected = 1;
        foreach (var d in dims) expected *= d;
        if (expected != count)
            throw new ArgumentException($"tensor '{name}': {count} values do not fill shape [{string.Join(", ", dims)}] ({expected} values)");
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("ONNX raw_data is little-endian; big-endian hosts are not supported");
        var t = new TensorProto { Name = name, DataType = (int)type, RawData = ByteString.CopyFrom(bytes) };
        t.Dims.AddRange(dims);
        return t;
    }
}
