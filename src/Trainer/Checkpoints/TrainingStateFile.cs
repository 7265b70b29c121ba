using System.Text.Json;
using System.Text.Json.Serialization;
using RbpPipeline.Trainer.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RbpPipeline.Trainer.Checkpoints;

/// <summary>
/// Everything needed to continue a training run exactly where it stopped, after the last completed epoch: model
/// parameters and buffers, optimiser state (moments, step counts, learning rate), the best weights so far, the
/// libtorch generator state (dropout), and as JSON the epoch count, the monitor (plateau / early-stopping) state and
/// the epoch history. The data shuffler needs no saved state: epoch e shuffles with its own stream
/// <c>DeterministicRandom.For(seed, "shuffle/e")</c>.
/// <para>
/// It is one safetensors file (tensors under the prefixes <c>model.</c>, <c>optimizer.</c>, <c>best.</c>, <c>average.</c> (the weight average, when training keeps one),
/// <c>rng.torch</c> and the JSON as bytes, see <see cref="ResumableStateFile"/>), written atomically: a kill at any moment leaves either the
/// previous epoch's state or the new one.
/// </para>
/// </summary>
public static class TrainingStateFile
{
    public const string FileName = "train-state.safetensors";
    public const int FormatVersion = 2; // 2: TorchSharp (metadata and optimizer state as tensors)
    private const string MetadataKey = "rbp.training-state";

    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        WriteIndented = false,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
    };

    /// <summary>Writes the state atomically (temporary file in the same folder, then rename).</summary>
    public static void Save(string path, TrainingStateInfo info, nn.Module model, OptimizerHelper optimizer,
        IReadOnlyDictionary<string, Tensor>? best, IReadOnlyDictionary<string, Tensor>? average = null)
    {
        using var scope = NewDisposeScope();
        var tensors = new List<KeyValuePair<string, Tensor>>();
        foreach (var (name, t) in model.state_dict()) tensors.Add(new($"model.{name}", t));
        foreach (var (name, t) in OptimizerStateTensors.Capture(optimizer)) tensors.Add(new($"optimizer.{name}", t));
        if (best is not null)
            foreach (var (name, t) in best) tensors.Add(new($"best.{name}", t));
        if (average is not null)
            foreach (var (name, t) in average) tensors.Add(new($"average.{name}", t));
        ResumableStateFile.Save(path, MetadataKey, info, Json, tensors);
    }

    /// <summary>Reads a state file; every failure is a <see cref="CheckpointException"/> naming the file.</summary>
    public static LoadedState<TrainingStateInfo> Load(string path) =>
        ResumableStateFile.Load<TrainingStateInfo>(path, MetadataKey, "training state", FormatVersion, i => i.FormatVersion, Json, "");
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
