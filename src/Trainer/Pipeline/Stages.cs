using RbpPipeline.Trainer.Checkpoints;
using RbpPipeline.Trainer.Networks;

namespace RbpPipeline.Trainer.Pipeline;

/// <summary>
/// One stage of the pipeline for one model. The Trainer provides prepare, train and evaluate; export and publish
/// are provided by whoever hosts the runner (the CLI fills them in from the Exporter, which sits above the Trainer).
/// </summary>
public interface IStageHandler
{
    /// <summary>The stage name as pipeline.yaml lists it.</summary>
    string Name { get; }

    /// <summary>
    /// What the stage's result depends on besides the model's configuration and data files, e.g. the SHA-256 of the
    /// checkpoint it reads. Throw <see cref="StagePrerequisiteException"/> when that input does not exist yet.
    /// </summary>
    string Fingerprint(StageContext context);

    /// <summary>Whether the stage's outputs are still in place (a recorded hash alone does not skip a stage whose outputs were deleted).</summary>
    bool OutputsExist(StageContext context);

    /// <summary>Runs the stage; returns a one-line summary.</summary>
    Task<string> RunAsync(StageContext context, CancellationToken cancellationToken);

    /// <summary>
    /// Whether <paramref name="error"/> is a refusal this stage makes on purpose (e.g. the parity gate's), reported
    /// as its message alone; the exceptions of <see cref="StageFailure.IsCommonRefusal"/> count for every stage.
    /// </summary>
    bool IsRefusal(Exception error) => false;
}

/// <summary>A stage needs a part of the project that is not built yet (e.g. the Exporter); nothing was attempted.</summary>
public sealed class StageUnavailableException(string stage, string what)
    : Exception($"the {stage} stage cannot run: {what} is not built yet")
{
    public string Stage { get; } = stage;
}

/// <summary>A stage's input is missing (e.g. evaluate before train).</summary>
public sealed class StagePrerequisiteException(string message) : Exception(message);

/// <summary>Everything a stage handler sees for one model.</summary>
public sealed class StageContext
{
    private ModelData? _data;
    private string? _configHash;

    public required PipelineConfig Config { get; init; }

    public required ModelPlan Plan { get; init; }

    /// <summary><c>&lt;out&gt;/&lt;model&gt;</c>: everything the stages of this model write.</summary>
    public required string RunFolder { get; init; }

    public required ArchitectureCatalog Architectures { get; init; }

    public required FileHashes Hashes { get; init; }

    public required TextWriter Log { get; init; }

    /// <summary>Intra-op threads for training and evaluation (0 = one per core).</summary>
    public int Threads { get; init; }

    /// <summary>Redraw progress bars in place (a terminal) or print one line per epoch (logs).</summary>
    public bool Interactive { get; init; }

    /// <summary>The model repository for publish (absolute); null = the publisher's default.</summary>
    public string? Repository { get; init; }

    public IArchitecture Architecture => Architectures.Get(Plan.Model.Architecture);

    public string CheckpointFolder => Path.Combine(RunFolder, "checkpoint");

    public string StatePath => Path.Combine(RunFolder, TrainingStateFile.FileName);

    /// <summary>
    /// An RBP-ADDA entry's own run folder <c>&lt;out&gt;/&lt;entry&gt;/</c> beside its two models' folders: the one training
    /// run both share keeps its state there. Null for other models.
    /// </summary>
    public string? EntryFolder => Plan.Adaptation is { } a ? Path.Combine(Path.GetDirectoryName(RunFolder)!, a.Entry) : null;

    /// <summary>See <see cref="ModelData.ConfigHash"/>.</summary>
    public string ConfigHash => _configHash ??= ModelData.ConfigHash(Plan, Architecture);

    /// <summary>The model's data, read and encoded once and shared by the stages of this run.</summary>
    public ModelData Data => _data ??= ModelData.Prepare(Plan, Architecture, Hashes);

    /// <summary>SHA-256 of every data file of the model, by path relative to the data root.</summary>
    public IReadOnlyDictionary<string, string> DataSha256 =>
        Plan.Files.ToDictionary(f => Path.GetRelativePath(Plan.Dataset.DataRoot, f).Replace('\\', '/'), Hashes.Of, StringComparer.Ordinal);

    /// <summary>The checkpoint the train stage wrote, verified; a <see cref="StagePrerequisiteException"/> when there is none.</summary>
    public Checkpoint OpenCheckpoint()
    {
        if (!File.Exists(Path.Combine(CheckpointFolder, Contracts.Manifests.ModelManifest.FileName)))
            throw new StagePrerequisiteException($"{Plan.Name} has no checkpoint in {CheckpointFolder}; run the train stage first");
        return Checkpoint.Open(CheckpointFolder);
    }
}
