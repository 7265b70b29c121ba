using System.Text.Json;
using RbpPipeline.Torch;
using static RbpPipeline.Torch.torch;

namespace RbpPipeline.Trainer.Checkpoints;

/// <summary>
/// The file format of every resumable run state (training loops, RBP-ADDA's stages): one safetensors file holding
/// named tensors plus the libtorch generator (<c>rng.torch</c>), with a JSON description in the header's metadata
/// under a key of the caller's; written atomically by <see cref="Safetensors.Save"/>, so a kill leaves either the
/// previous state or the new one.
/// </summary>
public static class ResumableStateFile
{
    public const string RngTensor = "rng.torch";

    public static void Save<TInfo>(string path, string metadataKey, TInfo info, JsonSerializerOptions json, IEnumerable<KeyValuePair<string, Tensor>> tensors)
    {
        using var scope = NewDisposeScope();
        var all = tensors.Append(new(RngTensor, get_rng_state())).ToList();
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        Safetensors.Save(path, all, new Dictionary<string, string> { [metadataKey] = JsonSerializer.Serialize(info, json) });
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
        Dictionary<string, string> metadata;
        try { (tensors, metadata) = Safetensors.Load(path); }
        catch (Exception e) when (e is InvalidDataException or JsonException or IOException or ArgumentException or InvalidOperationException or TorchException)
        {
            throw new CheckpointException($"{what} {path} is corrupt or incomplete ({e.Message}); delete it to start the run afresh", path, e);
        }
        try
        {
            if (!metadata.TryGetValue(metadataKey, out var text))
                throw new CheckpointException($"{what} {path} has no '{metadataKey}' metadata: it is not a {what} written by this program{remedy}", path);
            TInfo info;
            try { info = JsonSerializer.Deserialize<TInfo>(text, json) ?? throw new JsonException("null"); }
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
