using System.Text.Json;
using System.Text.Json.Serialization;
using RbpPipeline.Contracts.Labels;
using RbpPipeline.Contracts.Manifests;
using RbpPipeline.Contracts.SequenceEncoding;
using RbpPipeline.Trainer.Adaptation;
using RbpPipeline.Trainer.Augmentation;
using RbpPipeline.Trainer.Training;

namespace RbpPipeline.Trainer.Pipeline;

/// <summary>A pipeline file as read and checked (see docs/pipeline-yaml.md). Paths are as written; <see cref="PipelinePlanner"/> resolves them.</summary>
public sealed record PipelineConfig
{
    /// <summary>The file it was read from (absolute).</summary>
    public required string File { get; init; }

    public int Version { get; init; } = 1;

    public ulong Seed { get; init; } = 1;

    /// <summary>Data paths are relative to this folder (itself relative to the file's folder); null = the file's folder.</summary>
    public string? DataRoot { get; init; }

    /// <summary>Where publish puts models (relative to the file's folder); null = the publisher's default.</summary>
    public string? Repository { get; init; }

    /// <summary>Intra-op threads (0 = one per core); the CLI's --threads wins.</summary>
    public int Threads { get; init; }

    public required IReadOnlyList<string> Stages { get; init; }

    public required IReadOnlyDictionary<string, DatasetConfig> Datasets { get; init; }

    /// <summary>In file order.</summary>
    public required IReadOnlyList<ModelConfig> Models { get; init; }

    /// <summary>The top-level <c>executor:</c> section (cluster resources per model task).</summary>
    public Executors.ExecutorSettings Executor { get; init; } = new();

    /// <summary>Model entries' own <c>executor:</c> sections, by entry name, over <see cref="Executor"/>.</summary>
    public IReadOnlyDictionary<string, Executors.ExecutorSettings> ModelExecutors { get; init; } = new Dictionary<string, Executors.ExecutorSettings>();

    /// <summary>The executor settings of one model entry: its own over the file's.</summary>
    public Executors.ExecutorSettings ExecutorFor(string entry) =>
        ModelExecutors.TryGetValue(entry, out var own) ? own.Over(Executor) : Executor;

    public string BaseDirectory => Path.GetDirectoryName(File)!;
}

public enum DataFormat { Fasta, Table, Rnacompete }

public enum TrackFormat { RegionMatrix, StructureProfile, ShapeString }

/// <summary>Where a data set's records come from and how they are split.</summary>
public sealed record DatasetConfig
{
    public required string Name { get; init; }

    public required DataFormat Format { get; init; }

    /// <summary>The kind of every task of the set.</summary>
    public required TaskType TaskType { get; init; }

    /// <summary>Class names of a multiclass task (labels are indices into this list).</summary>
    public IReadOnlyList<string>? Classes { get; init; }

    /// <summary>Task names in label order; null = the table's label columns, or the data set's (fan-out item's) name.</summary>
    public IReadOnlyList<string>? Tasks { get; init; }

    public string? Train { get; init; }
    public string? Validation { get; init; }
    public string? Test { get; init; }

    /// <summary>A single file split at random by <see cref="Split"/> (instead of train/test files).</summary>
    public string? SingleFile { get; init; }

    public Data.SplitFractions Split { get; init; } = Data.SplitFractions.Default;

    /// <summary>Fraction of the training file carved out for validation when no validation file is given.</summary>
    public double ValidationFraction { get; init; } = 0.1;

    public TableColumnsConfig? Columns { get; init; }

    public IReadOnlyList<TrackConfig> Tracks { get; init; } = [];

    /// <summary>Fan-out: names substituted for <c>{rbp}</c> in every path, or one glob matched against the file system.</summary>
    public IReadOnlyList<string>? Each { get; init; }

    public string? EachGlob { get; init; }

    /// <summary>Read at most this many records of each file (quick runs); null = all.</summary>
    public int? Limit { get; init; }

    /// <summary>
    /// <c>experiments:</c> instead of <c>each:</c>: the names are experiments of ONE multi-task data set (a task per
    /// experiment, each record labelled for its own experiment only), not models of their own.
    /// </summary>
    // Left out of the configuration hash's JSON when false, so that adding the key changed no other model's hash.
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool Experiments { get; init; }

    public bool FansOut => (Each is not null || EachGlob is not null) && !Experiments;
}

public sealed record TableColumnsConfig(string Sequence, IReadOnlyList<string> Labels, string? Id, string? Region);

/// <summary>An extra per-position input read from its own files.</summary>
public sealed record TrackConfig
{
    public required string Name { get; init; }
    public required TrackFormat Format { get; init; }
    public string? Train { get; init; }
    public string? Validation { get; init; }
    public string? Test { get; init; }
    public string? SingleFile { get; init; }
}

/// <summary>
/// A model entry: an architecture trained on a data set, or (<see cref="Adaptation"/>) an RBP-ADDA entry trained on
/// an in-vitro and an in-vivo data set that yields two models, <c>&lt;entry&gt;-source</c> and <c>&lt;entry&gt;-target</c>.
/// </summary>
public sealed record ModelConfig
{
    public required string Name { get; init; }

    public required string Architecture { get; init; }

    /// <summary>The data set; for an RBP-ADDA entry its <c>source</c> (in-vitro) data set.</summary>
    public required string Dataset { get; init; }

    /// <summary>Set for an RBP-ADDA entry (<c>source</c> / <c>target</c> / <c>adaptation</c>); null for every other model.</summary>
    // Left out of the configuration hash's JSON when null, so that adding the key changed no other model's hash.
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public AdaptationConfig? Adaptation { get; init; }

    public IReadOnlyDictionary<string, JsonElement> Hyperparameters { get; init; } = new Dictionary<string, JsonElement>();

    public TrainingOverrides Training { get; init; } = new();

    public required EncodingConfig Encoding { get; init; }

    /// <summary>Fitted on the training split for regression tasks; null = the architecture's prescription, else none.</summary>
    public IReadOnlyList<LabelTransformSpec>? LabelTransforms { get; init; }

    /// <summary>Tracks of the data set this model reads; null = all of them.</summary>
    public IReadOnlyList<string>? Tracks { get; init; }

    /// <summary>Overrides the file's seed.</summary>
    public ulong? Seed { get; init; }

    /// <summary>Set for an ensemble entry (architecture <c>ensemble</c>); null for every other model.</summary>
    // Left out of the configuration hash's JSON when null, so that adding the key changed no other model's hash.
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public EnsembleConfig? Ensemble { get; init; }
}

/// <summary>
/// An RBP-ADDA entry: <see cref="Source"/> is the in-vitro data set and <see cref="Target"/> the in-vivo one (the
/// paper's roles; <see cref="RbpAddaOptions.Reversed"/> swaps the domains' roles, not these names).
/// </summary>
public sealed record AdaptationConfig
{
    public required string Source { get; init; }

    public required string Target { get; init; }

    /// <summary>The procedure's settings as the file gives them; seed, hyperparameters, augmentation and threads are filled in per run.</summary>
    public required RbpAddaOptions Options { get; init; }

    /// <summary>adaptation.seed; null = the model's seed.</summary>
    public ulong? Seed { get; init; }
}

/// <summary>training.augmentation: on-the-fly augmentation of training batches (never validation or test data).</summary>
public sealed record AugmentationConfig
{
    public required AugmentationKind Kind { get; init; }

    public int PositionsPerSequence { get; init; } = 1;

    public double Fraction { get; init; } = 1.0;

    /// <summary>null = the model's seed.</summary>
    public ulong? Seed { get; init; }

    public AugmentationOptions Resolve(ulong modelSeed) =>
        new() { Kind = Kind, PositionsPerSequence = PositionsPerSequence, Fraction = Fraction, Seed = Seed ?? modelSeed };
}

/// <summary>The input encoding a model declares; tracks come from the data set.</summary>
public sealed record EncodingConfig
{
    public required int Length { get; init; }
    public LengthPolicy Policy { get; init; } = LengthPolicy.Centre;
    public NPolicy N { get; init; } = NPolicy.Zero;
    public AmbiguityPolicy Ambiguity { get; init; } = AmbiguityPolicy.Error;
    public float Padding { get; init; }
}

/// <summary>Training settings that override the architecture's defaults (null = keep the default).</summary>
public sealed record TrainingOverrides
{
    public OptimizerKind? Optimizer { get; init; }
    public double? LearningRate { get; init; }
    public double? WeightDecay { get; init; }
    public double? Momentum { get; init; }
    public int? BatchSize { get; init; }
    public int? Epochs { get; init; }
    public int? EarlyStopping { get; init; }
    public double? LrDecayFactor { get; init; }
    public int? LrDecayPatience { get; init; }
    public double? MinLearningRate { get; init; }
    public LossKind? Loss { get; init; }
    public string? Monitor { get; init; }
    public MonitorMode? Mode { get; init; }
    public double? MinDelta { get; init; }
    public double? GradientClip { get; init; }

    /// <summary>Per-step decay of the exponential moving average of the weights (<c>weight_average</c>); null = none.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? WeightAverage { get; init; }

    /// <summary>auto | cpu | cuda | cuda:N; null = auto. Where a model trains does not change what it is: not hashed.</summary>
    [JsonIgnore]
    public string? Device { get; init; }

    /// <summary>null = no augmentation.</summary>
    // Left out of the configuration hash's JSON when null, so that adding the key changed no other model's hash.
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public AugmentationConfig? Augmentation { get; init; }
}
