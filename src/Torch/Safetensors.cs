using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using static RbpPipeline.Torch.torch;

namespace RbpPipeline.Torch;

/// <summary>
/// The safetensors format (https://github.com/huggingface/safetensors): u64 little-endian header length, a JSON
/// header {name: {dtype, shape, data_offsets}, "__metadata__": {string: string}}, then the raw little-endian
/// bytes. Readable by the safetensors library or a few lines of plain Python. Round trips are bit-exact.
/// </summary>
public static class Safetensors
{
    private const string MetadataKey = "__metadata__";

    private static string Code(ScalarType t) => t switch
    {
        ScalarType.Float32 => "F32",
        ScalarType.Float64 => "F64",
        ScalarType.Float16 => "F16",
        ScalarType.BFloat16 => "BF16",
        ScalarType.Int64 => "I64",
        ScalarType.Int32 => "I32",
        ScalarType.Int16 => "I16",
        ScalarType.Int8 => "I8",
        ScalarType.Byte => "U8",
        ScalarType.Bool => "BOOL",
        _ => throw new NotSupportedException($"safetensors has no code for {t}"),
    };

    private static ScalarType FromCode(string code) => code switch
    {
        "F32" => ScalarType.Float32,
        "F64" => ScalarType.Float64,
        "F16" => ScalarType.Float16,
        "BF16" => ScalarType.BFloat16,
        "I64" => ScalarType.Int64,
        "I32" => ScalarType.Int32,
        "I16" => ScalarType.Int16,
        "I8" => ScalarType.Int8,
        "U8" => ScalarType.Byte,
        "BOOL" => ScalarType.Bool,
        _ => throw new InvalidDataException($"unsupported safetensors dtype '{code}'"),
    };

    /// <summary>
    /// Writes the tensors (in the given order) atomically: a temporary file in the same folder, flushed, then
    /// renamed over <paramref name="path"/>, so readers never see a half-written checkpoint.
    /// </summary>
    public static void Save(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        var items = tensors.ToList();
        var names = new HashSet<string>();
        foreach (var (name, _) in items)
            if (name == MetadataKey || !names.Add(name))
                throw new ArgumentException($"tensor name '{name}' is reserved or repeated");

        var header = new MemoryStream();
        var datas = new List<byte[]>(items.Count);
        using (var json = new Utf8JsonWriter(header))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject(MetadataKey);
                foreach (var (k, v) in metadata) json.WriteString(k, v);
                json.WriteEndObject();
            }
            long offset = 0;
            foreach (var (name, t) in items)
            {
                var bytes = ToBytes(t);
                datas.Add(bytes);
                json.WriteStartObject(name);
                json.WriteString("dtype", Code(t.dtype));
                json.WriteStartArray("shape");
                foreach (var s in t.shape) json.WriteNumberValue(s);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + bytes.Length);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += bytes.Length;
            }
            json.WriteEndObject();
        }
        // The format allows trailing spaces in the header; padding to 8 bytes keeps the data aligned.
        var headerLength = (header.Length + 7) / 8 * 8;
        while (header.Length < headerLength) header.WriteByte((byte)' ');

        var full = Path.GetFullPath(path);
        var temp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                Span<byte> size = stackalloc byte[8];
                BinaryPrimitives.WriteUInt64LittleEndian(size, (ulong)headerLength);
                file.Write(size);
                header.Position = 0;
                header.CopyTo(file);
                foreach (var d in datas) file.Write(d);
                file.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            try { File.Delete(temp); } catch (IOException) { /* best effort; the original file is untouched */ }
            throw;
        }
    }

    private static byte[] ToBytes(Tensor t)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("safetensors I/O assumes a little-endian host");
        var bytes = new byte[t.numel() * ElementSize(t.dtype)];
        t.CopyBytes(bytes);
        return bytes;
    }

    /// <summary>The tensors (CPU, in file order) and metadata of a safetensors file.</summary>
    public static (Dictionary<string, Tensor> tensors, Dictionary<string, string> metadata) Load(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 8) throw new InvalidDataException($"{path}: too short for a safetensors file");
        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        if (headerLength > (ulong)(bytes.Length - 8)) throw new InvalidDataException($"{path}: header length {headerLength} exceeds the file");
        var dataStart = 8 + (int)headerLength;
        using var doc = JsonDocument.Parse(bytes.AsMemory(8, (int)headerLength));
        var tensors = new Dictionary<string, Tensor>();
        var metadata = new Dictionary<string, string>();
        try
        {
            foreach (var entry in doc.RootElement.EnumerateObject())
            {
                if (entry.Name == MetadataKey)
                {
                    foreach (var m in entry.Value.EnumerateObject()) metadata[m.Name] = m.Value.GetString() ?? "";
                    continue;
                }
                var dtype = FromCode(entry.Value.GetProperty("dtype").GetString() ?? "");
                var shape = entry.Value.GetProperty("shape").EnumerateArray().Select(x => x.GetInt64()).ToArray();
                var offsets = entry.Value.GetProperty("data_offsets").EnumerateArray().Select(x => x.GetInt64()).ToArray();
                var expected = shape.Aggregate(1L, (a, b) => a * b) * ElementSize(dtype);
                if (offsets.Length != 2 || offsets[1] - offsets[0] != expected || offsets[0] < 0 || dataStart + offsets[1] > bytes.Length)
                    throw new InvalidDataException($"{path}: tensor '{entry.Name}' has inconsistent offsets [{string.Join(", ", offsets)}] for {dtype} {string.Join("x", shape)}");
                tensors[entry.Name] = FromBytes(bytes.AsSpan(dataStart + (int)offsets[0], (int)expected), shape, dtype);
            }
        }
        catch
        {
            foreach (var t in tensors.Values) t.Dispose();
            throw;
        }
        return (tensors, metadata);
    }

    private static unsafe Tensor FromBytes(ReadOnlySpan<byte> data, long[] shape, ScalarType dtype)
    {
        fixed (byte* p = data)
        fixed (long* s = shape)
            return Tensor.Wrap(Native.NativeMethods.rbp_tensor_from_data(p, data.Length, s, shape.Length, (int)dtype,
                (int)DeviceType.CPU, -1, 0));
    }

    /// <summary>Writes a module's state_dict (parameters and persistent buffers).</summary>
    public static void save_safetensors(this nn.Module module, string path, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var state = module.state_dict();
        try { Save(path, state, metadata); }
        finally { foreach (var t in state.Values) t.Dispose(); }
    }

    /// <summary>Loads a module's state from a safetensors file; returns the file's metadata.</summary>
    public static Dictionary<string, string> load_safetensors(this nn.Module module, string path, bool strict = true)
    {
        var (tensors, metadata) = Load(path);
        try { module.load_state_dict(tensors, strict); }
        finally { foreach (var t in tensors.Values) t.Dispose(); }
        return metadata;
    }
}
