using System.Text.Json;
using RbpPipeline.Contracts.Labels;
using RbpPipeline.Contracts.Manifests;
using RbpPipeline.Contracts.SequenceEncoding;
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

    public bool FansOut => Each is not null || EachGlob is not null;
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

/// <summary>A model entry: an architecture trained on a data set.</summary>
public sealed record ModelConfig
{
    public required string Name { get; init; }

    public required string Architecture { get; init; }

    public required string Dataset { get; init; }

    public IReadOnlyDictionary<string, JsonElement> Hyperparameters { get; init; } = new Dictionary<string, JsonElement>();

    public TrainingOverrides Training { get; init; } = new();

    public required EncodingConfig Encoding { get; init; }

    /// <summary>Fitted on the training split for regression tasks; null = the architecture's prescription, else none.</summary>
    public IReadOnlyList<LabelTransformSpec>? LabelTransforms { get; init; }

    /// <summary>Tracks of the data set this model reads; null = all of them.</summary>
    public IReadOnlyList<string>? Tracks { get; init; }

    /// <summary>Overrides the file's seed.</summary>
    public ulong? Seed { get; init; }
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
}
