using System.Globalization;
using System.Text.Json;
using RbpPipeline.Contracts.Manifests;
using RbpPipeline.Contracts.Storage;
using RbpPipeline.Trainer.Checkpoints;
using RbpPipeline.Trainer.Networks;
using RbpPipeline.Trainer.Training;

using TorchSharp;

namespace RbpPipeline.Trainer.Pipeline;

/// <summary>The Trainer's stages: prepare, train, evaluate.</summary>
public static class TrainerStages
{
    public static IReadOnlyList<IStageHandler> All => [new PrepareStage(), new TrainStage(), new EvaluateStage()];

    internal static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
    };

    internal static void WriteJson(string path, object value)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        AtomicFile.WriteAllText(path, JsonSerializer.Serialize(value, Json) + "\n");
    }

    internal static string Format(double value) => double.IsFinite(value) ? value.ToString("F4", CultureInfo.InvariantCulture) : "n/a";

    internal static string Headline(SplitEvaluation e) =>
        string.Join(", ", new[] { "auroc", "aupr", "pearson", "spearman", "accuracy" }.Where(e.Summary.ContainsKey).Select(k => $"{e.Split} {k} {Format(e.Get(k))}"));
}

/// <summary>Reads, splits and encodes the data; writes <c>prepared.json</c> (counts, class balance, encoding, digests).</summary>
public sealed class PrepareStage : IStageHandler
{
    public const string OutputFile = "prepared.json";

    public string Name => "prepare";

    public string Fingerprint(StageContext context) => "";

    public bool OutputsExist(StageContext context) => File.Exists(Path.Combine(context.RunFolder, OutputFile));

    public Task<string> RunAsync(StageContext context, CancellationToken cancellationToken)
    {
        var data = context.Data;
        var splits = new[] { data.Train, data.Validation, data.Test };
        TrainerStages.WriteJson(Path.Combine(context.RunFolder, OutputFile), new
        {
            model = context.Plan.Name,
            dataset = context.Plan.Adaptation is { } a ? (data.Domain == "in-vivo" ? a.InVivo : a.InVitro).Config.Name : context.Plan.Dataset.Config.Name,
            domain = data.Domain,
            fanOut = context.Plan.Dataset.FanOutName,
            tasks = data.Tasks.Select(t => t.Name),
            encoding = new { data.Encoding.Length, policy = data.Encoding.LengthPolicy, inputs = data.Encoding.InputTensors().Select(t => new { t.Name, t.Channels }) },
            splits = splits.ToDictionary(s => s.Name, s => new
            {
                records = s.Count,
                positives = data.Tasks.Any(t => t.Type == TaskType.Binary) ? s.ClassCounts().Select(c => c.Positives).ToArray() : null,
                missingLabels = s.RawLabels.Count(float.IsNaN),
            }),
            dataSha256 = data.DataSha256,
        });
        var summary = (data.Domain is null ? "" : $"{data.Domain} domain: ") + string.Join(", ", splits.Select(s => $"{s.Count} {s.Name}"));
        return Task.FromResult($"{summary} records; inputs {string.Join(" + ", data.Encoding.InputTensors().Select(t => $"{t.Name}[{t.Channels.Count}×{data.Encoding.Length}]"))}");
    }
}

/// <summary>
/// Trains the model (resuming an interrupted run from <c>train-state.safetensors</c>) and writes the checkpoint
/// (<c>checkpoint/</c>: weights, manifest with train/validation/test metrics, training.json).
/// </summary>
public sealed class TrainStage : IStageHandler
{
    public string Name => "train";

    // An ensemble is assembled from its members' checkpoints, so it is redone when one of them changes.
    public string Fingerprint(StageContext context) => context.Plan.Ensemble is null ? "" : EnsembleAssembly.Fingerprint(context);

    public bool OutputsExist(StageContext context)
    {
        try
        {
            Checkpoint.Open(context.CheckpointFolder);
            return true;
        }
        catch (CheckpointException)
        {
            return false;
        }
    }

    public Task<string> RunAsync(StageContext context, CancellationToken cancellationToken)
    {
        if (context.Plan.Adaptation is not null) return Task.FromResult(AdaptationTraining.Run(context, cancellationToken));
        if (context.Plan.Ensemble is not null) return Task.FromResult(EnsembleAssembly.Run(context, cancellationToken));
        var plan = context.Plan;
        var architecture = context.Architecture;
        var data = context.Data;
        var options = ModelData.Options(plan, architecture) with { Threads = context.Threads };
        if (context.Device is { } device) options = options with { Device = device };
        var hyperparameters = Hyperparameters.Resolve(architecture.Name, architecture.HyperparameterSpecs, plan.Model.Hyperparameters).Values;
        Directory.CreateDirectory(context.RunFolder);
        var stateHash = ModelData.Hash(context.ConfigHash + string.Concat(data.DataSha256.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Key + p.Value)));
        var augmentation = ModelData.Augmentation(plan);
        using var outcome = ModelTrainer.Train(new TrainingRequest
        {
            Architecture = architecture,
            Shape = data.Shape,
            Hyperparameters = plan.Model.Hyperparameters,
            Train = data.Train,
            Validation = data.Validation,
            Tasks = data.Tasks,
            Options = options,
            StatePath = context.StatePath,
            ConfigHash = stateHash,
            Progress = new ConsoleTrainingProgress(context.Log, context.Interactive, plan.Name),
            Augmentation = augmentation is null ? null : new Augmentation.SequenceAugmenter(augmentation),
        }, cancellationToken);

        var evaluations = data.Evaluate(outcome.Network, data.Tasks, options, data.Train, data.Validation, data.Test);
        var trained = outcome.History.Where(h => h.Epoch > outcome.ResumedAfterEpoch).ToList();
        var secondsPerEpoch = outcome.History.Count == 0 ? 0 : outcome.History.Average(h => h.Seconds);
        var training = JsonSerializer.SerializeToElement(new
        {
            options = options with { Threads = 0 },
            augmentation,
            threads = torchThreads(),
            bestEpoch = outcome.BestEpoch,
            bestValue = outcome.BestValue,
            stoppedEarly = outcome.StoppedEarly,
            resumedAfterEpoch = outcome.ResumedAfterEpoch,
            positiveWeights = outcome.PositiveWeights,
            secondsPerEpoch,
            records = new { train = data.Train.Count, validation = data.Validation.Count, test = data.Test.Count },
            history = outcome.History,
        }, TrainerStages.Json);
        Checkpoint.Write(context.CheckpointFolder, outcome.Network, new CheckpointDescription
        {
            Name = plan.Name,
            Architecture = architecture.Name,
            Hyperparameters = hyperparameters,
            Tasks = data.Tasks,
            Encoding = data.Encoding,
            Metrics = [.. evaluations.SelectMany(e => e.ToMetricValues())],
            ConfigSha256 = context.ConfigHash,
            DataSha256 = data.DataSha256,
            Seed = unchecked((long)plan.Seed),
            Training = training,
        });
        var test = evaluations.FirstOrDefault(e => e.Split == "test");
        return Task.FromResult(
            $"best epoch {outcome.BestEpoch} of {outcome.History.Count}{(outcome.StoppedEarly ? " (early stop)" : "")}" +
            $"{(outcome.ResumedAfterEpoch > 0 ? $", resumed after epoch {outcome.ResumedAfterEpoch}" : "")}, " +
            $"{secondsPerEpoch:F1} s/epoch{(test is null ? "" : ", " + TrainerStages.Headline(test))} → {context.CheckpointFolder}");

        static int torchThreads() => torch.get_num_threads();
    }
}

/// <summary>
/// Reopens the checkpoint from disk (verifying every file's digest), rebuilds the network and scores the test split
/// (and validation); writes <c>evaluation.json</c> with per-task metrics on the data's scale.
/// </summary>
public sealed class EvaluateStage : IStageHandler
{
    public const string OutputFile = "evaluation.json";

    public string Name => "evaluate";

    public string Fingerprint(StageContext context) => context.OpenCheckpoint().Manifest.Files[Checkpoint.WeightsFile].Sha256;

    public bool OutputsExist(StageContext context) => File.Exists(Path.Combine(context.RunFolder, OutputFile));

    public Task<string> RunAsync(StageContext context, CancellationToken cancellationToken)
    {
        var checkpoint = context.OpenCheckpoint();
        var manifest = checkpoint.Manifest;
        var data = context.Data;
        if (data.Encoding != manifest.Encoding)
            throw new StagePrerequisiteException($"{context.Plan.Name}: the checkpoint was trained with another encoding than the pipeline now declares; run the train stage again");
        if (context.Threads > 0) torch.set_num_threads(context.Threads);
        using var network = checkpoint.CreateNetwork(context.Architecture);
        var options = ModelData.Options(context.Plan, context.Architecture);
        var evaluations = data.Evaluate(network, manifest.Tasks, options, data.Validation, data.Test);
        var report = JsonSerializer.SerializeToNode(new
        {
            model = context.Plan.Name,
            architecture = manifest.Architecture.Name,
            checkpointSha256 = manifest.Files[Checkpoint.WeightsFile].Sha256,
            splits = evaluations.ToDictionary(e => e.Split, e => new
            {
                records = e.Count,
                summary = e.Summary.Where(p => double.IsFinite(p.Value)).ToDictionary(),
                tasks = e.Tasks.Select(t => new
                {
                    task = t.Task, count = t.Count,
                    auroc = Finite(t.Auroc), aupr = Finite(t.AveragePrecision), pearson = Finite(t.Pearson), spearman = Finite(t.Spearman), mse = Finite(t.MeanSquaredError),
                }),
            }),
        }, TrainerStages.Json)!.AsObject();
        if (context.Plan.Ensemble is not null) report["members"] = EnsembleAssembly.MemberReport(context);
        TrainerStages.WriteJson(Path.Combine(context.RunFolder, OutputFile), report);
        var test = evaluations.FirstOrDefault(e => e.Split == "test") ?? evaluations[^1];
        var perTask = test.Tasks.Count > 1
            ? " (" + string.Join(", ", test.Tasks.Select(t => $"{t.Task} {TrainerStages.Format(double.IsNaN(t.Auroc) ? t.Pearson : t.Auroc)}")) + ")"
            : "";
        var members = context.Plan.Ensemble is null ? "" : "; members: " + string.Join(", ",
            EnsembleAssembly.MemberCheckpoints(context).Select(m => $"{m.Name} {EnsembleAssembly.MemberFigure(m.Checkpoint.Manifest, test.Split,
                EnsembleAssembly.HeadTask(context.Plan, m.Name))}"));
        return Task.FromResult($"{TrainerStages.Headline(test)}{perTask} on {test.Count} records{members}");
    }

    private static double? Finite(double v) => double.IsFinite(v) ? v : null;
}
