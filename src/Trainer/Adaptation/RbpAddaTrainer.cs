using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using RbpPipeline.Contracts.Labels;
using RbpPipeline.Contracts.Manifests;
using RbpPipeline.Contracts.SequenceEncoding;
using RbpPipeline.Trainer.Data;
using RbpPipeline.Trainer.Networks;
using RbpPipeline.Trainer.Networks.Models;
using RbpPipeline.Trainer.Training;
using static TorchSharp.torch;

namespace RbpPipeline.Trainer.Adaptation;

/// <summary>Held-out Pearson of both domains after one stage (source through Ms + T, target through Mt + T).</summary>
public sealed record StageMetrics(string Stage, double SourcePearson, double TargetPearson);

/// <summary>Stage 2's domain-separability figures (null when stage 2 was skipped); all are balanced accuracies, 0.5 = chance.</summary>
/// <param name="DiscriminatorBefore">D's held-out accuracy after the D-only warm-up, before Mt is updated.</param>
/// <param name="DiscriminatorAfter">The same D's held-out accuracy at the end of stage 2.</param>
/// <param name="DiscriminatorFirst">D's mean training accuracy over the first tenth of the adversarial iterations.</param>
/// <param name="DiscriminatorLast">The same over the last tenth.</param>
/// <param name="ProbeBefore">A fresh discriminator trained on the frozen features before stage 2 (Mt = Ms), held-out accuracy.</param>
/// <param name="ProbeAfter">The same fresh discriminator (same initial weights and batches) after stage 2.</param>
public sealed record AdaptationFigures(double? DiscriminatorBefore, double? DiscriminatorAfter, double? DiscriminatorFirst,
    double? DiscriminatorLast, double? ProbeBefore, double? ProbeAfter)
{
    public static AdaptationFigures None { get; } = new(null, null, null, null, null, null);
}

/// <summary>One domain of a run: its encoded training and held-out parts and its task with the fitted minmax transform.</summary>
public sealed record RbpAddaDomain(string Name, EncodedSplit Train, EncodedSplit Test, IReadOnlyList<TaskInfo> Tasks)
{
    public static RbpAddaDomain Create(string name, IReadOnlyList<SequenceRecord> train, IReadOnlyList<SequenceRecord> test, EncodingSpec spec)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(test);
        if (train.Count < 2) throw new ArgumentException($"the {name} training part needs at least 2 records, got {train.Count}");
        if (test.Count < 2) throw new ArgumentException($"the {name} held-out part needs at least 2 records, got {test.Count}");
        foreach (var r in train.Concat(test))
            if (r.Labels.Count != 1) throw new ArgumentException($"{name} record '{r.Id}' has {r.Labels.Count} labels; RBP-ADDA needs one score");
        IReadOnlyList<TaskInfo> tasks = [new TaskInfo { Name = RbpAddaTrainer.TaskName, Type = TaskType.Regression }];
        tasks = EncodedSplit.FitLabelTransforms(tasks, [LabelTransformSpec.MinMax], train);
        var encoder = new InputEncoder(spec);
        return new RbpAddaDomain(name, EncodedSplit.Encode("train", train, encoder, tasks), EncodedSplit.Encode("test", test, encoder, tasks), tasks);
    }
}

/// <summary>Where a run keeps its resumable state, and (tests, benchmarks) where to stop; neither changes the result.</summary>
public sealed record RbpAddaRunControl
{
    public static RbpAddaRunControl None { get; } = new();

    /// <summary>The state file (<see cref="RbpAddaStateFile"/>), saved after every stage and resumed from; null = none.</summary>
    public string? StatePath { get; init; }

    /// <summary>
    /// Stop with an <see cref="OperationCanceledException"/> right after stage N (1–3) is saved, as a kill at that
    /// moment would; null = run to the end.
    /// </summary>
    public int? StopAfterStage { get; init; }
}

/// <summary>
/// The three-stage RBP-ADDA procedure (adversarial discriminative domain adaptation from in-vitro to in-vivo data):
/// <list type="number">
/// <item>source pre-training of the source encoder Ms and the predictor T on the source domain (MSE);</item>
/// <item>adversarial adaptation: the target encoder Mt starts as a copy of Ms; per iteration the discriminator D learns
/// Ms(source) = 1 against Mt(target) = 0, then Mt is updated with the inverted label to fool D (plus the target
/// regression term through the frozen T, as in the reference); Ms stays frozen;</item>
/// <item>fine-tuning of T alone on both domains: each step on the sum of a source minibatch's loss through Ms and a
/// target minibatch's through Mt (encoders frozen).</item>
/// </list>
/// Labels are scaled to [−1, 1] (minmax fitted on each domain's training labels). After every stage the held-out
/// Pearson of both domains is measured. The parts are plain rbpadda-encoder / -predictor / -discriminator networks;
/// the results are composite <c>rbpadda</c> checkpoints (<see cref="RbpAddaResult.WriteCheckpoints"/>).
/// </summary>
public static class RbpAddaTrainer
{
    public const string TaskName = "score";

    /// <summary>The procedure's input encoding: fixed length, inputs padded with N on the right.</summary>
    public static EncodingSpec Encoding(RbpAddaOptions options) => new() { Length = options.SequenceLength, LengthPolicy = LengthPolicy.Left };

    /// <summary>
    /// One domain as the procedure sees it: in-vivo records preprocessed into fragments (when
    /// <see cref="RbpAddaOptions.PreprocessInVivo"/>), the single score scaled with minmax fitted on the domain's own
    /// training labels, both parts encoded with <see cref="Encoding"/>. The pipeline's evaluate stage uses the same.
    /// </summary>
    public static RbpAddaDomain PrepareDomain(bool inVivo, IReadOnlyList<SequenceRecord> train, IReadOnlyList<SequenceRecord> test, RbpAddaOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (inVivo && options.PreprocessInVivo) (train, test) = (PeakPreprocessor.Apply(train), PeakPreprocessor.Apply(test));
        return RbpAddaDomain.Create(inVivo ? "in-vivo" : "in-vitro", train, test, Encoding(options));
    }

    /// <summary>Runs the three stages from the start, keeping no state on disk.</summary>
    public static RbpAddaResult Train(RbpAddaData data, RbpAddaOptions options, Action<string>? log = null, CancellationToken cancellationToken = default) =>
        Train(data, options, RbpAddaRunControl.None, log, cancellationToken);

    /// <summary>
    /// Runs the three stages. With <see cref="RbpAddaRunControl.StatePath"/> the state is saved after every stage and
    /// a run that finds a state of the same options and data continues after its last finished stage (or restores
    /// the finished result), ending bit for bit where an uninterrupted run ends (same thread count).
    /// </summary>
    public static RbpAddaResult Train(RbpAddaData data, RbpAddaOptions options, RbpAddaRunControl control, Action<string>? log = null,
        CancellationToken cancellationToken = default) =>
        GlobalGenerator.Exclusive(() => TrainExclusively(data, options, control, log, cancellationToken));

    private static RbpAddaResult TrainExclusively(RbpAddaData data, RbpAddaOptions options, RbpAddaRunControl control, Action<string>? log,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(control);
        options.Validate();
        log ??= _ => { };
        if (options.Threads > 0) set_num_threads(options.Threads);

        var spec = Encoding(options);
        var inVitro = PrepareDomain(false, data.InVitroTrain, data.InVitroTest, options);
        var inVivo = PrepareDomain(true, data.InVivoTrain, data.InVivoTest, options);
        var (source, target) = options.Reversed ? (inVivo, inVitro) : (inVitro, inVivo);
        log($"rbp-adda: source {source.Name} ({source.Train.Count} train, {source.Test.Count} test), target {target.Name} ({target.Train.Count} train, {target.Test.Count} test)");

        var hyperparameters = Hyperparameters.Resolve(ArchitectureKey.RbpAdda.Name, Architectures.Get(ArchitectureKey.RbpAdda).HyperparameterSpecs, options.Hyperparameters).Values
            .ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        var features = hyperparameters["features"].GetInt32();
        var sequenceShape = new NetworkShape([new NetworkInput("sequence", spec.Alphabet.Length, spec.Length)], features);
        var encoderHp = Architectures.Get(ArchitectureKey.RbpAddaEncoder).HyperparameterSpecs.ToDictionary(s => s.Name, s => hyperparameters[s.Name]);
        var featureShape = new NetworkShape([NetworkInput.Vector(RbpAddaParts.FeaturesInput, features)], 1);
        var stateHash = StateHash(data, options);

        manual_seed((long)(options.Seed & long.MaxValue));
        var run = new RbpAddaRun(options, source, target, log, cancellationToken)
        {
            SourceEncoder = Architectures.Get(ArchitectureKey.RbpAddaEncoder).Create(sequenceShape, encoderHp),
            Predictor = Architectures.Get(ArchitectureKey.RbpAddaPredictor).Create(featureShape,
                new Dictionary<string, JsonElement> { ["predictor_hidden"] = hyperparameters["predictor_hidden"] }),
            TargetEncoder = Architectures.Get(ArchitectureKey.RbpAddaEncoder).Create(sequenceShape, encoderHp),
        };
        INetwork CreateHead(int hidden) => Architectures.Get(ArchitectureKey.RbpAddaDiscriminator).Create(featureShape,
            new Dictionary<string, JsonElement> { ["discriminator_hidden"] = JsonSerializer.SerializeToElement(hidden) });
        INetwork CreateDiscriminator() => CreateHead(options.DiscriminatorHidden);
        IRbpAddaStage[] stages = [new SourcePretraining(), new AdversarialAdaptation(CreateHead), new FineTuning()];
        try
        {
            var resumedAfter = control.StatePath is { } statePath && File.Exists(statePath)
                ? run.Restore(statePath, stateHash, CreateDiscriminator)
                : 0;

            // The resume order: every stage a restored state has not done, in order, each saved when it ends.
            foreach (var stage in stages.Where(s => s.Number > run.StagesDone))
            {
                var line = stage.Run(run);
                run.StagesDone = stage.Number;
                if (control.StatePath is { } path) run.Save(path, stateHash);
                run.DisposeOptimizers();
                log(line);
                if (control.StopAfterStage == stage.Number)
                    throw new OperationCanceledException($"rbp-adda: stopped after stage {stage.Number} as asked" +
                        (control.StatePath is null ? "" : $"; {control.StatePath} resumes the run"));
            }
            run.Discriminator?.Dispose();
            run.Discriminator = null;

            return new RbpAddaResult(run.SourceEncoder, run.TargetEncoder, run.Predictor, options, hyperparameters, spec,
                source.Name, target.Name, source.Tasks, target.Tasks, [.. run.Stages], run.Adaptation,
                source.Train.Count, target.Train.Count, resumedAfter);
        }
        catch
        {
            run.DisposeAll();
            throw;
        }
    }

    internal static string Describe(StageMetrics m, RbpAddaDomain source, RbpAddaDomain target) =>
        $"Pearson source ({source.Name}) {m.SourcePearson:F4}, target ({target.Name}) {m.TargetPearson:F4}";

    /// <summary>
    /// What a resumable state must match: every option except the thread count, and every record's sequence and
    /// labels in order (ids do not change the result).
    /// </summary>
    public static string StateHash(RbpAddaData data, RbpAddaOptions options)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Add(string text) => hash.AppendData(System.Text.Encoding.UTF8.GetBytes(text));
        Add(JsonSerializer.Serialize(options with { Threads = 0 }, Json));
        foreach (var (part, records) in new[] { ("in-vitro/train", data.InVitroTrain), ("in-vitro/test", data.InVitroTest),
                     ("in-vivo/train", data.InVivoTrain), ("in-vivo/test", data.InVivoTest) })
        {
            Add($"\n#{part} {records.Count}\n");
            foreach (var r in records)
                Add($"{r.Sequence}\t{string.Join(",", r.Labels.Select(l => BitConverter.DoubleToInt64Bits(l)))}\n");
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    internal static string Sha256Hex(string text) => Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)));

    internal static readonly JsonSerializerOptions Json = new() { WriteIndented = false, Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) } };
}
