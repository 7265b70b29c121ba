using System.Text.Json;
using RbpPipeline.Contracts.Manifests;

namespace RbpPipeline.Trainer.Pipeline;

/// <summary>
/// A named recipe that a model entry selects with <c>preset:</c>: the architecture with hyperparameters, the input
/// encoding and the training settings chosen for one kind of data. Every key the entry writes itself wins over the
/// preset's (hyperparameter by hyperparameter, encoding key by key, training key by key). The preset is resolved when
/// the file is read, so the configuration hash holds the values actually used and a changed preset retrains.
/// </summary>
public sealed record ModelPreset
{
    public required string Name { get; init; }

    public required string Description { get; init; }

    /// <summary>The task type of the data sets it was chosen for; other data sets are refused.</summary>
    public required TaskType TaskType { get; init; }

    public required string Architecture { get; init; }

    public IReadOnlyDictionary<string, JsonElement> Hyperparameters { get; init; } = new Dictionary<string, JsonElement>();

    public required EncodingConfig Encoding { get; init; }

    public TrainingOverrides Training { get; init; } = new();

    /// <summary>
    /// When set, the entry becomes a seed ensemble of this many members of the preset (seeds s, s+1, …), exported as one
    /// graph that averages their logits (docs/pipeline-yaml.md, "Ensembles"); an <c>ensemble</c> block of the entry
    /// replaces it. Null = one model.
    /// </summary>
    public int? EnsembleSeeds { get; init; }

    /// <summary>
    /// Further ensemble members of other architectures, each with the preset's training settings and encoding and that
    /// architecture's own hyperparameters (used, like <see cref="EnsembleSeeds"/>, when the entry has no
    /// <c>ensemble</c> block of its own).
    /// </summary>
    public IReadOnlyList<PresetMember> EnsembleMembers { get; init; } = [];

    /// <summary>
    /// On a fan-out data set (one model per experiment), members that are one experiment's head of a multi-task model
    /// trained once on all the fan-out's experiments together (<c>&lt;model&gt;.multitask-&lt;architecture&gt;</c>, a
    /// head per experiment) and shared by every experiment's ensemble. Ignored on other data sets.
    /// </summary>
    public IReadOnlyList<PresetMember> SharedMembers { get; init; } = [];

    /// <summary>Whether a model of <paramref name="architecture"/> can take this preset: its own or a member's.</summary>
    public bool Accepts(string architecture) =>
        string.Equals(architecture, Architecture, StringComparison.OrdinalIgnoreCase)
        || EnsembleMembers.Concat(SharedMembers).Any(m => string.Equals(architecture, m.Architecture, StringComparison.OrdinalIgnoreCase));
}

/// <summary>A group of <see cref="Seeds"/> ensemble members of <see cref="Architecture"/>, named after it (numbered when several).</summary>
public sealed record PresetMember(string Architecture, int Seeds);
