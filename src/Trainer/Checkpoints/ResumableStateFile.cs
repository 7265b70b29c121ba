using System.Text;
using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;
using SafetensorsIO = TorchSharp.PyBridge.Safetensors;

namespace RbpPipeline.Trainer.Checkpoints;

/// <summary>
/// The file format of every resumable run state (training loops, RBP-ADDA's stages): one safetensors file (written and
/// read by TorchSharp.PyBridge) holding named tensors, the libtorch generator (<c>rng.torch</c>) and a JSON description
/// stored as a UTF-8 byte tensor under a key of the caller's (PyBridge writes no header metadata). It is written to a
/// temporary file in the same folder and renamed into place, so a kill leaves either the previous state or the new one.
/// </summary>
public static class ResumableStateFile
{
    public const string RngTensor = "rng.torch";

    public static void Save<TInfo>(string path, string metadataKey, TInfo info, JsonSerializerOptions json, IEnumerable<KeyValuePair<string, Tensor>> tensors)
    {
        using var scope = NewDisposeScope();
        var all = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, t) in tensors) all.Add(name, t);
        all.Add(RngTensor, random.get_rng_state());
        all.Add(metadataKey, BytesTensor(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(info, json))));
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temporary = full + ".tmp";
        try
        {
            using (var stream = File.Create(temporary))
            {
                SafetensorsIO.SaveStateDict(stream, all, leaveOpen: true);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, full, overwrite: true);
        }
        finally
        {
            File.Delete(temporary); // gone after the rename; after a failed write it must not stay behind
        }
    }

    /// <summary>
    /// Reads a state; every failure is a <see cref="CheckpointException"/> naming the file (as <paramref name="what"/>,
    /// e.g. "training state") and ending with <paramref name="remedy"/>.
    /// </summary>
    public static LoadedState<TInfo> Load<TInfo>(string path, string metadataKey, string what, int formatVersion, Func<TInfo, int> versionOf,
        JsonSerializerOptions json, string remedy)
        where TInfo : class
    {
        Dictionary<string, Tensor> tensors;
        try { tensors = SafetensorsIO.LoadStateDict(path); }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new CheckpointException($"{what} {path} is corrupt or incomplete ({e.Message}); delete it to start the run afresh", path, e);
        }
        try
        {
            if (!tensors.Remove(metadataKey, out var metadata))
                throw new CheckpointException($"{what} {path} has no '{metadataKey}' metadata: it is not a {what} written by this program{remedy}", path);
            TInfo info;
            using (metadata)
                try { info = JsonSerializer.Deserialize<TInfo>(Encoding.UTF8.GetString(Bytes(metadata)), json) ?? throw new JsonException("null"); }
                catch (JsonException e) { throw new CheckpointException($"{what} {path}: its metadata is not valid ({e.Message}){remedy}", path, e); }
            if (versionOf(info) != formatVersion)
                throw new CheckpointException($"{what} {path} has format version {versionOf(info)}; this build reads version {formatVersion}", path);
            if (!tensors.ContainsKey(RngTensor))
                throw new CheckpointException($"{what} {path} lacks the generator state '{RngTensor}'{remedy}", path);
            return new LoadedState<TInfo>(info, tensors);
        }
        catch
        {
            foreach (var t in tensors.Values) t.Dispose();
            throw;
        }
    }

    /// <summary>A 1-D uint8 tensor holding <paramref name="bytes"/>.</summary>
    public static Tensor BytesTensor(byte[] bytes) => tensor(bytes, dtype: ScalarType.Byte);

    /// <summary>The bytes of a 1-D uint8 tensor.</summary>
    public static byte[] Bytes(Tensor t) => t.to_type(ScalarType.Byte).data<byte>().ToArray();
}

/// <summary>A loaded state: its description and tensors; dispose it to free the tensors.</summary>
public sealed class LoadedState<TInfo>(TInfo info, Dictionary<string, Tensor> tensors) : IDisposable
{
    public TInfo Info { get; } = info;

    public Tensor TorchRng => tensors[ResumableStateFile.RngTensor];

    /// <summary>The tensors under "<paramref name="prefix"/>." with the prefix removed (empty when there are none).</summary>
    public Dictionary<string, Tensor> Section(string prefix)
    {
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, t) in tensors)
            if (name.StartsWith(prefix + ".", StringComparison.Ordinal)) result[name[(prefix.Length + 1)..]] = t;
        return result;
    }

    public void Dispose()
    {
        foreach (var t in tensors.Values) t.Dispose();
    }
}
