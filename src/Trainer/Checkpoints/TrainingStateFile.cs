using System.Text.Json;
using System.Text.Json.Serialization;
using RbpPipeline.Trainer.Training;
using RbpPipeline.Torch;
using static RbpPipeline.Torch.torch;

namespace RbpPipeline.Trainer.Checkpoints;

/// <summary>
/// Everything needed to continue a training run exactly where it stopped, after the last completed epoch: model
/// parameters and buffers, optimiser state (moments, step counts, learning rate), the best weights so far, the
/// libtorch generator state (dropout), and as JSON the epoch count, the monitor (plateau / early-stopping) state and
/// the epoch history. The data shuffler needs no saved state: epoch e shuffles with its own stream
/// <c>DeterministicRandom.For(seed, "shuffle/e")</c>.
/// <para>
/// It is one safetensors file (tensors under the prefixes <c>model.</c>, <c>optimizer.</c>, <c>best.</c> and
/// <c>rng.torch</c>, the JSON in the header's metadata), written atomically: a kill at any moment leaves either the
/// previous epoch's state or the new one.
/// </para>
/// </summary>
public static class TrainingStateFile
{
    public const string FileName = "train-state.safetensors";
    public const int FormatVersion = 1;
    private const string MetadataKey = "rbp.training-state";

    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        WriteIndented = false,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
    };

    /// <summary>Writes the state atomically (temporary file in the same folder, then rename).</summary>
    public static void Save(string path, TrainingStateInfo info, nn.Module model, torch.optim.Optimizer optimizer,
        IReadOnlyDictionary<string, Tensor>? best)
    {
        using var scope = NewDisposeScope();
        var tensors = new List<KeyValuePair<string, Tensor>>();
        foreach (var (name, t) in model.state_dict()) tensors.Add(new($"model.{name}", t));
        foreach (var (name, t) in optimizer.state_dict()) tensors.Add(new($"optimizer.{name}", t));
        if (best is not null)
            foreach (var (name, t) in best) tensors.Add(new($"best.{name}", t));
        tensors.Add(new("rng.torch", get_rng_state()));
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        Safetensors.Save(path, tensors, new Dictionary<string, string> { [MetadataKey] = JsonSerializer.Serialize(info, Json) });
    }

    /// <summary>Reads a state file; every failure is a <see cref="CheckpointException"/> naming the file.</summary>
    public static LoadedTrainingState Load(string path)
    {
        Dictionary<string, Tensor> tensors;
        Dictionary<string, string> metadata;
        try { (tensors, metadata) = Safetensors.Load(path); }
        catch (Exception e) when (e is InvalidDataException or JsonException or IOException or ArgumentException or InvalidOperationException or TorchException)
        {
            throw new CheckpointException($"training state {path} is corrupt or incomplete ({e.Message}); delete it to start the run afresh", path, e);
        }
        try
        {
            if (!metadata.TryGetValue(MetadataKey, out var json))
                throw new CheckpointException($"training state {path} has no '{MetadataKey}' metadata: it is not a training state written by this program", path);
            TrainingStateInfo info;
            try { info = JsonSerializer.Deserialize<TrainingStateInfo>(json, Json) ?? throw new JsonException("null"); }
            catch (JsonException e) { throw new CheckpointException($"training state {path}: its metadata is not valid ({e.Message})", path, e); }
            if (info.FormatVersion != FormatVersion)
                throw new CheckpointException($"training state {path} has format version {info.FormatVersion}; this build reads version {FormatVersion}", path);
            if (!tensors.ContainsKey("rng.torch"))
                throw new CheckpointException($"training state {path} lacks the generator state 'rng.torch'", path);
            return new LoadedTrainingState(info, tensors);
        }
        catch
        {
            foreach (var t in tensors.Values) t.Dispose();
            throw;
        }
    }
}

/// <summary>The JSON part of a training state.</summary>
public sealed record TrainingStateInfo
{
    public int FormatVersion { get; init; } = TrainingStateFile.FormatVersion;

    /// <summary>The configuration the run was started with; a different one never resumes this state.</summary>
    public required string ConfigHash { get; init; }

    public required string Architecture { get; init; }

    public required int EpochsDone { get; init; }

    /// <summary>True when the loop ended (epoch limit or early stopping).</summary>
    public bool Finished { get; init; }

    public required MonitorState Monitor { get; init; }

    public required IReadOnlyList<EpochRecord> History { get; init; }
}

/// <summary>A loaded state: dispose it to free its tensors.</summary>
public sealed class LoadedTrainingState(TrainingStateInfo info, Dictionary<string, Tensor> tensors) : IDisposable
{
    public TrainingStateInfo Info { get; } = info;

    public Tensor TorchRng => tensors["rng.torch"];

    /// <summary>The tensors under "<paramref name="prefix"/>." with the prefix removed.</summary>
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
