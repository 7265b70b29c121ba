using System.Text.Json;
using System.Text.Json.Serialization;
using RbpPipeline.Trainer.Checkpoints;
using RbpPipeline.Torch;
using static RbpPipeline.Torch.torch;

namespace RbpPipeline.Trainer.Adaptation;

/// <summary>
/// RBP-ADDA's resumable state, saved after each of the three stages: one safetensors file written atomically (a
/// kill leaves either the previous stage's state or the new one) holding the networks (<c>ms.</c>, <c>mt.</c>,
/// <c>t.</c>, <c>d.</c> once stage 2 ran), the optimiser states of the stage just finished (<c>optimizer.&lt;name&gt;.</c>),
/// the libtorch generator (<c>rng.torch</c>) and, as JSON metadata, the stages done, the augmentation batch counter
/// and every figure so far.
/// </summary>
public static class RbpAddaStateFile
{
    public const string FileName = "rbpadda-state.safetensors";
    public const int FormatVersion = 1;
    private const string MetadataKey = "rbp.rbpadda-state";

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <param name="sections">Named groups of tensors, saved as "&lt;prefix&gt;.&lt;name&gt;".</param>
    public static void Save(string path, RbpAddaStateInfo info, IEnumerable<(string Prefix, IReadOnlyDictionary<string, Tensor> Tensors)> sections)
    {
        using var scope = NewDisposeScope();
        var tensors = new List<KeyValuePair<string, Tensor>>();
        foreach (var (prefix, section) in sections)
            foreach (var (name, t) in section) tensors.Add(new($"{prefix}.{name}", t));
        tensors.Add(new("rng.torch", get_rng_state()));
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        Safetensors.Save(path, tensors, new Dictionary<string, string> { [MetadataKey] = JsonSerializer.Serialize(info, Json) });
    }

    /// <summary>Reads a state file; every failure is a <see cref="CheckpointException"/> that names the file and the remedy.</summary>
    public static LoadedRbpAddaState Load(string path)
    {
        Dictionary<string, Tensor> tensors;
        Dictionary<string, string> metadata;
        try { (tensors, metadata) = Safetensors.Load(path); }
        catch (Exception e) when (e is InvalidDataException or JsonException or IOException or ArgumentException or InvalidOperationException or TorchException)
        {
            throw new CheckpointException($"RBP-ADDA state {path} is corrupt or incomplete ({e.Message}); delete it to start the run afresh", path, e);
        }
        try
        {
            if (!metadata.TryGetValue(MetadataKey, out var json))
                throw new CheckpointException($"{path} has no '{MetadataKey}' metadata: it is not an RBP-ADDA state written by this program; delete it to start afresh", path);
            RbpAddaStateInfo info;
            try { info = JsonSerializer.Deserialize<RbpAddaStateInfo>(json, Json) ?? throw new JsonException("null"); }
            catch (JsonException e) { throw new CheckpointException($"RBP-ADDA state {path}: its metadata is not valid ({e.Message}); delete it to start afresh", path, e); }
            if (info.FormatVersion != FormatVersion)
                throw new CheckpointException($"RBP-ADDA state {path} has format version {info.FormatVersion}; this build reads version {FormatVersion}", path);
            if (!tensors.ContainsKey("rng.torch"))
                throw new CheckpointException($"RBP-ADDA state {path} lacks the generator state 'rng.torch'; delete it to start afresh", path);
            return new LoadedRbpAddaState(info, tensors);
        }
        catch
        {
            foreach (var t in tensors.Values) t.Dispose();
            throw;
        }
    }
}

/// <summary>The JSON part of an RBP-ADDA state.</summary>
public sealed record RbpAddaStateInfo
{
    public int FormatVersion { get; init; } = RbpAddaStateFile.FormatVersion;

    /// <summary>SHA-256 of the options (threads excluded) and the records; a state with another hash is never resumed.</summary>
    public required string StateHash { get; init; }

    /// <summary>1, 2 or 3: the stages finished (a skipped stage 2 counts as finished).</summary>
    public required int StagesDone { get; init; }

    /// <summary>Training minibatches drawn so far: the next augmentation stream's index.</summary>
    public required int BatchCounter { get; init; }

    public required IReadOnlyList<StageMetrics> Stages { get; init; }

    public required AdaptationFigures Adaptation { get; init; }
}

/// <summary>A loaded state: dispose it to free its tensors.</summary>
public sealed class LoadedRbpAddaState(RbpAddaStateInfo info, Dictionary<string, Tensor> tensors) : IDisposable
{
    public RbpAddaStateInfo Info { get; } = info;

    public Tensor TorchRng => tensors["rng.torch"];

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
