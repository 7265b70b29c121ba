using System.Text.Json;
using System.Text.Json.Serialization;
using RbpPipeline.Trainer.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace RbpPipeline.Trainer.Adaptation;

/// <summary>
/// RBP-ADDA's resumable state, saved after each of the three stages: one safetensors file written atomically (a
/// kill leaves either the previous stage's state or the new one) holding the networks (<c>ms.</c>, <c>mt.</c>,
/// <c>t.</c>, <c>d.</c> once stage 2 ran), the optimiser states of the stage just finished (<c>optimizer.&lt;name&gt;.</c>),
/// the libtorch generator (<c>rng.torch</c>) and, as JSON (a byte tensor, see <see cref="ResumableStateFile"/>), the stages done, the augmentation batch counter
/// and every figure so far.
/// </summary>
public static class RbpAddaStateFile
{
    public const string FileName = "rbpadda-state.safetensors";
    public const int FormatVersion = 2; // 2: TorchSharp (metadata and optimizer state as tensors)
    private const string MetadataKey = "rbp.rbpadda-state";

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <param name="sections">Named groups of tensors, saved as "&lt;prefix&gt;.&lt;name&gt;".</param>
    public static void Save(string path, RbpAddaStateInfo info, IEnumerable<(string Prefix, IReadOnlyDictionary<string, Tensor> Tensors)> sections)
    {
        var tensors = new List<KeyValuePair<string, Tensor>>();
        foreach (var (prefix, section) in sections)
            foreach (var (name, t) in section) tensors.Add(new($"{prefix}.{name}", t));
        ResumableStateFile.Save(path, MetadataKey, info, Json, tensors);
    }

    /// <summary>Reads a state file; every failure is a <see cref="CheckpointException"/> that names the file and the remedy.</summary>
    public static LoadedState<RbpAddaStateInfo> Load(string path) =>
        ResumableStateFile.Load<RbpAddaStateInfo>(path, MetadataKey, "RBP-ADDA state", FormatVersion, i => i.FormatVersion, Json,
            "; delete it to start afresh");
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
