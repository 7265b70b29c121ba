using System.Text.Json;
using RbpPipeline.Contracts.Manifests;
using RbpPipeline.Contracts.SequenceEncoding;
using RbpPipeline.Trainer.Checkpoints;
using RbpPipeline.Trainer.Networks;
using RbpPipeline.Trainer.Networks.Models;
using static TorchSharp.torch;

namespace RbpPipeline.Trainer.Adaptation;

/// <summary>
/// The trained parts of one RBP-ADDA run (Ms, Mt, T; the result owns and disposes them), the held-out Pearson after
/// every stage and the domain-separability figures of stage 2.
/// </summary>
public sealed class RbpAddaResult : IDisposable
{
    internal RbpAddaResult(INetwork sourceEncoder, INetwork targetEncoder, INetwork predictor, RbpAddaOptions options,
        IReadOnlyDictionary<string, JsonElement> hyperparameters, EncodingSpec encoding, string sourceDomain, string targetDomain,
        IReadOnlyList<TaskInfo> sourceTasks, IReadOnlyList<TaskInfo> targetTasks, IReadOnlyList<StageMetrics> stages,
        AdaptationFigures adaptation, int sourceTrainCount, int targetTrainCount, int resumedAfterStage = 0)
    {
        ResumedAfterStage = resumedAfterStage;
        SourceEncoder = sourceEncoder;
        TargetEncoder = targetEncoder;
        Predictor = predictor;
        Options = options;
        Hyperparameters = hyperparameters;
        Encoding = encoding;
        SourceDomain = sourceDomain;
        TargetDomain = targetDomain;
        SourceTasks = sourceTasks;
        TargetTasks = targetTasks;
        Stages = stages;
        Adaptation = adaptation;
        SourceTrainCount = sourceTrainCount;
        TargetTrainCount = targetTrainCount;
    }

    public INetwork SourceEncoder { get; }

    public INetwork TargetEncoder { get; }

    public INetwork Predictor { get; }

    public RbpAddaOptions Options { get; }

    /// <summary>Every hyperparameter of the composite rbpadda network (defaults merged with overrides).</summary>
    public IReadOnlyDictionary<string, JsonElement> Hyperparameters { get; }

    public EncodingSpec Encoding { get; }

    /// <summary>"in-vitro" or "in-vivo" ("in-vivo" when <see cref="RbpAddaOptions.Reversed"/>).</summary>
    public string SourceDomain { get; }

    public string TargetDomain { get; }

    /// <summary>The single task with the minmax transform fitted on the source domain's training labels.</summary>
    public IReadOnlyList<TaskInfo> SourceTasks { get; }

    /// <summary>The same task with the transform fitted on the target domain's training labels.</summary>
    public IReadOnlyList<TaskInfo> TargetTasks { get; }

    /// <summary>"pretrain", "adapt" (absent when stage 2 is skipped) and "finetune", in order.</summary>
    public IReadOnlyList<StageMetrics> Stages { get; }

    /// <summary>Stage 2's domain-separability figures (all null when stage 2 was skipped).</summary>
    public AdaptationFigures Adaptation { get; }

    public int SourceTrainCount { get; }

    public int TargetTrainCount { get; }

    public StageMetrics Final => Stages[^1];

    /// <summary>0 for a run from the start; k when it continued (or, k = 3, restored) a state saved after stage k.</summary>
    public int ResumedAfterStage { get; }

    /// <summary>SHA-256 of the options and hyperparameters: the checkpoints' configuration digest unless a caller gives its own.</summary>
    public string ConfigSha256 => RbpAddaTrainer.Sha256Hex(JsonSerializer.Serialize(new { Options = Options with { Threads = 0 }, Hyperparameters }, RbpAddaTrainer.Json));

    /// <summary>
    /// The stage metrics as manifest metrics: split "&lt;domain&gt;-test", name "pearson/&lt;stage&gt;", plus the final
    /// figure of the checkpoint's own domain as split "test", name "pearson", and split "adaptation" for the probe and
    /// D accuracies. NaN figures are left out (JSON has no NaN).
    /// </summary>
    public IReadOnlyList<MetricValue> MetricValues(bool sourcePath)
    {
        var metrics = new List<MetricValue>();
        void Add(string split, string name, double? value, string? task = null)
        {
            if (value is { } v && double.IsFinite(v)) metrics.Add(new MetricValue { Split = split, Task = task, Name = name, Value = v });
        }
        Add("test", "pearson", sourcePath ? Final.SourcePearson : Final.TargetPearson, RbpAddaTrainer.TaskName);
        foreach (var stage in Stages)
        {
            Add($"{SourceDomain}-test", $"pearson/{stage.Stage}", stage.SourcePearson, RbpAddaTrainer.TaskName);
            Add($"{TargetDomain}-test", $"pearson/{stage.Stage}", stage.TargetPearson, RbpAddaTrainer.TaskName);
        }
        Add("adaptation", "discriminator_accuracy/before", Adaptation.DiscriminatorBefore);
        Add("adaptation", "discriminator_accuracy/after", Adaptation.DiscriminatorAfter);
        Add("adaptation", "discriminator_training_accuracy/first", Adaptation.DiscriminatorFirst);
        Add("adaptation", "discriminator_training_accuracy/last", Adaptation.DiscriminatorLast);
        Add("adaptation", "probe_accuracy/before", Adaptation.ProbeBefore);
        Add("adaptation", "probe_accuracy/after", Adaptation.ProbeAfter);
        return metrics;
    }

    /// <summary>
    /// The composite network of one path: Ms + T (<paramref name="sourcePath"/>) or Mt + T, built with
    /// <see cref="RbpAddaParts.ComposeState"/>. The caller disposes it.
    /// </summary>
    public INetwork Compose(bool sourcePath)
    {
        var shape = new NetworkShape([new NetworkInput("sequence", Encoding.Alphabet.Length, Encoding.Length)], 1);
        var network = Architectures.Get(ArchitectureKey.RbpAdda).Create(shape, Hyperparameters);
        var encoder = (sourcePath ? SourceEncoder : TargetEncoder).Module.state_dict();
        var predictor = Predictor.Module.state_dict(); // the modules' own tensors, not copies: nothing to free
        try
        {
            network.Module.load_state_dict(RbpAddaParts.ComposeState(encoder, predictor));
            network.Module.eval();
            return network;
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Writes <c>&lt;folder&gt;/&lt;entry&gt;-source</c> (Ms + T) and <c>&lt;folder&gt;/&lt;entry&gt;-target</c> (Mt + T): normal
    /// composite rbpadda checkpoints (the Exporter exports either), with the stage metrics in their manifests. Each
    /// carries the label transform of its own domain.
    /// </summary>
    public (Checkpoint Source, Checkpoint Target) WriteCheckpoints(string folder, string entry,
        IReadOnlyDictionary<string, string>? dataSha256 = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(entry);
        return (WriteCheckpoint(Path.Combine(folder, $"{entry}-source"), $"{entry}-source", sourcePath: true, dataSha256),
            WriteCheckpoint(Path.Combine(folder, $"{entry}-target"), $"{entry}-target", sourcePath: false, dataSha256));
    }

    /// <summary>
    /// Writes one path as a checkpoint folder: Ms + T (<paramref name="sourcePath"/>) or Mt + T, named
    /// <paramref name="name"/> (the published model's name), with its own domain's label transform and every stage's
    /// figures in the manifest.
    /// </summary>
    public Checkpoint WriteCheckpoint(string checkpointFolder, string name, bool sourcePath,
        IReadOnlyDictionary<string, string>? dataSha256 = null, string? configSha256 = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(checkpointFolder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        using var network = Compose(sourcePath);
        return Checkpoint.Write(checkpointFolder, network, new CheckpointDescription
        {
            Name = name,
            Architecture = ArchitectureKey.RbpAdda.Name,
            Hyperparameters = Hyperparameters,
            Tasks = sourcePath ? SourceTasks : TargetTasks,
            Encoding = Encoding,
            Metrics = MetricValues(sourcePath),
            ConfigSha256 = configSha256 ?? ConfigSha256,
            DataSha256 = dataSha256 ?? new Dictionary<string, string>(),
            Seed = (long)(Options.Seed & long.MaxValue),
            Training = TrainingJson(sourcePath),
        });
    }

    /// <summary>training.json: the procedure's options and every stage's figures (and, when given, which path the checkpoint is).</summary>
    public JsonElement TrainingJson(bool? sourcePath = null) => JsonSerializer.SerializeToElement(new
    {
        procedure = "rbp-adda",
        path = sourcePath switch { true => $"source (Ms + T, {SourceDomain})", false => $"target (Mt + T, {TargetDomain})", null => null },
        sourceDomain = SourceDomain,
        targetDomain = TargetDomain,
        sourceTrainRecords = SourceTrainCount,
        targetTrainRecords = TargetTrainCount,
        options = Options with { Threads = 0 },
        resumedAfterStage = ResumedAfterStage,
        stages = Stages.Select(s => new { stage = s.Stage, sourcePearson = Finite(s.SourcePearson), targetPearson = Finite(s.TargetPearson) }),
        adaptation = Adaptation,
    }, RbpAddaTrainer.Json);

    private static double? Finite(double v) => double.IsFinite(v) ? v : null;

    public void Dispose()
    {
        SourceEncoder.Dispose();
        TargetEncoder.Dispose();
        Predictor.Dispose();
    }
}
