using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using RbpPipeline.Contracts.Labels;
using RbpPipeline.Contracts.Manifests;
using RbpPipeline.Contracts.SequenceEncoding;
using RbpPipeline.Trainer.Augmentation;
using RbpPipeline.Trainer.Checkpoints;
using RbpPipeline.Trainer.Data;
using RbpPipeline.Trainer.Metrics;
using RbpPipeline.Trainer.Networks;
using RbpPipeline.Trainer.Networks.Models;
using RbpPipeline.Trainer.Training;
using TorchSharp.Modules;
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
/// Ms(source) = 1 against Mt(target) = 0, then Mt is updated with the inverted label to fool D; Ms stays frozen;</item>
/// <item>fine-tuning of T alone on both domains, alternating a source minibatch through Ms and a target minibatch through
/// Mt (encoders frozen).</item>
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
        CancellationToken cancellationToken = default)
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

        var hyperparameters = Hyperparameters.Resolve("rbpadda", Architectures.Get("rbpadda").HyperparameterSpecs, options.Hyperparameters).Values
            .ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        var features = hyperparameters["features"].GetInt32();
        var sequenceShape = new NetworkShape([new NetworkInput("sequence", spec.Alphabet.Length, spec.Length)], features);
        var encoderHp = Architectures.Get("rbpadda-encoder").HyperparameterSpecs.ToDictionary(s => s.Name, s => hyperparameters[s.Name]);
        var featureShape = new NetworkShape([NetworkInput.Vector(RbpAddaParts.FeaturesInput, features)], 1);
        var discriminatorHp = new Dictionary<string, JsonElement> { ["discriminator_hidden"] = JsonSerializer.SerializeToElement(options.DiscriminatorHidden) };
        var stateHash = StateHash(data, options);

        manual_seed((long)(options.Seed & long.MaxValue));
        var run = new Run(options, source, target, log, cancellationToken)
        {
            SourceEncoder = Architectures.Get("rbpadda-encoder").Create(sequenceShape, encoderHp),
            Predictor = Architectures.Get("rbpadda-predictor").Create(featureShape,
                new Dictionary<string, JsonElement> { ["predictor_hidden"] = hyperparameters["predictor_hidden"] }),
            TargetEncoder = Architectures.Get("rbpadda-encoder").Create(sequenceShape, encoderHp),
        };
        try
        {
            var resumedAfter = control.StatePath is { } statePath && File.Exists(statePath)
                ? run.Restore(statePath, stateHash, () => Architectures.Get("rbpadda-discriminator").Create(featureShape, discriminatorHp))
                : 0;

            void Finish(int stage, string line)
            {
                run.StagesDone = stage;
                if (control.StatePath is { } path) run.Save(path, stateHash);
                run.DisposeOptimizers();
                log(line);
                if (control.StopAfterStage == stage)
                    throw new OperationCanceledException($"rbp-adda: stopped after stage {stage} as asked" +
                        (control.StatePath is null ? "" : $"; {control.StatePath} resumes the run"));
            }

            // ---- stage 1: source pre-training ----
            if (run.StagesDone < 1)
            {
                run.PretrainSource();
                CopyState(run.SourceEncoder, run.TargetEncoder);
                run.Stages.Add(run.Measure("pretrain"));
                Finish(1, $"rbp-adda stage 1 (source pre-training): {Describe(run.Stages[^1], source, target)}");
            }

            // ---- stage 2: adversarial adaptation ----
            if (run.StagesDone < 2)
            {
                if (!options.SkipAdaptation && options.AdversarialIterations > 0)
                {
                    double? probeBefore = options.ProbeIterations > 0 ? run.ProbeAccuracy(featureShape, discriminatorHp) : null;
                    run.Discriminator = Architectures.Get("rbpadda-discriminator").Create(featureShape, discriminatorHp);
                    var (before, after, first, last) = run.Adapt(run.Discriminator);
                    double? probeAfter = options.ProbeIterations > 0 ? run.ProbeAccuracy(featureShape, discriminatorHp) : null;
                    run.Adaptation = new AdaptationFigures(before, after, first, last, probeBefore, probeAfter);
                    run.Stages.Add(run.Measure("adapt"));
                    var f = run.Adaptation;
                    Finish(2, $"rbp-adda stage 2 (adaptation): {Describe(run.Stages[^1], source, target)}; " +
                        $"D held-out accuracy {f.DiscriminatorBefore:F3} → {f.DiscriminatorAfter:F3}, D training accuracy {f.DiscriminatorFirst:F3} (first tenth) → " +
                        $"{f.DiscriminatorLast:F3} (last tenth); fresh-probe accuracy {f.ProbeBefore:F3} → {f.ProbeAfter:F3}");
                }
                else
                {
                    Finish(2, "rbp-adda stage 2 skipped (without ADDA): Mt = Ms");
                }
            }

            // ---- stage 3: fine-tuning T on both domains ----
            if (run.StagesDone < 3)
            {
                run.FineTune();
                run.Stages.Add(run.Measure("finetune"));
                Finish(3, $"rbp-adda stage 3 (fine-tuning): {Describe(run.Stages[^1], source, target)}");
            }
            run.Discriminator?.Dispose();
            run.Discriminator = null;

            return new RbpAddaResult(run.SourceEncoder, run.TargetEncoder, run.Predictor, options, hyperparameters, spec,
                source.Name, target.Name, source.Tasks, target.Tasks, [.. run.Stages], run.Adaptation,
                source.Train.Count, target.Train.Count, resumedAfter);
        }
        catch
        {
            run.SourceEncoder.Dispose();
            run.TargetEncoder.Dispose();
            run.Predictor.Dispose();
            run.Discriminator?.Dispose();
            run.DisposeOptimizers();
            throw;
        }
    }

    private static string Describe(StageMetrics m, RbpAddaDomain source, RbpAddaDomain target) =>
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

    private static void CopyState(INetwork from, INetwork to)
    {
        // state_dict() hands out the source's own tensors; load_state_dict copies their values.
        to.Module.load_state_dict(from.Module.state_dict());
    }

    /// <summary>Endless shuffled minibatches of one split: a fresh deterministic permutation each pass.</summary>
    private sealed class BatchCycler
    {
        private readonly int[] _order;
        private readonly int _batchSize;
        private readonly ulong _seed;
        private readonly string _purpose;
        private int _position;
        private int _pass;

        public BatchCycler(int count, int batchSize, ulong seed, string purpose)
        {
            _order = [.. Enumerable.Range(0, count)];
            _position = count;
            _batchSize = batchSize;
            _seed = seed;
            _purpose = purpose;
        }

        public int[] Next()
        {
            var count = _order.Length;
            var size = Math.Min(_batchSize, count);
            if (_position + size > count)
            {
                Array.Sort(_order);
                DeterministicRandom.For(_seed, $"{_purpose}/{_pass++}").Shuffle(_order);
                _position = 0;
            }
            var batch = _order.AsSpan(_position, size).ToArray();
            _position += size;
            return batch;
        }
    }

    private sealed class Run(RbpAddaOptions options, RbpAddaDomain source, RbpAddaDomain target, Action<string> log, CancellationToken cancellation)
    {
        private readonly SequenceAugmenter _augmenter = new(options.Augmentation);
        // The optimisers of the stage in progress, by name; saved with the stage's state, then disposed (each stage
        // starts fresh optimisers, as the procedure prescribes).
        private readonly Dictionary<string, OptimizerHelper> _optimizers = new(StringComparer.Ordinal);
        private int _batchCounter;

        public required INetwork SourceEncoder { get; init; }

        public required INetwork TargetEncoder { get; init; }

        public required INetwork Predictor { get; init; }

        /// <summary>D: created in stage 2 (after the probe), kept so that its weights go into the state files.</summary>
        public INetwork? Discriminator { get; set; }

        public int StagesDone { get; set; }

        public List<StageMetrics> Stages { get; } = [];

        public AdaptationFigures Adaptation { get; set; } = AdaptationFigures.None;

        private T Track<T>(string name, T optimizer) where T : OptimizerHelper
        {
            _optimizers[name] = optimizer;
            return optimizer;
        }

        public void DisposeOptimizers()
        {
            foreach (var o in _optimizers.Values) o.Dispose();
            _optimizers.Clear();
        }

        public void Save(string path, string stateHash)
        {
            // state_dict() hands out the modules' own tensors (not copies): only the optimizer captures are freed.
            using var scope = NewDisposeScope();
            var sections = new List<(string, IReadOnlyDictionary<string, Tensor>)>
            {
                ("ms", SourceEncoder.Module.state_dict()), ("mt", TargetEncoder.Module.state_dict()), ("t", Predictor.Module.state_dict()),
            };
            if (Discriminator is not null) sections.Add(("d", Discriminator.Module.state_dict()));
            foreach (var (name, optimizer) in _optimizers) sections.Add(($"optimizer.{name}", OptimizerStateTensors.Capture(optimizer)));
            RbpAddaStateFile.Save(path, new RbpAddaStateInfo
            {
                StateHash = stateHash, StagesDone = StagesDone, BatchCounter = _batchCounter, Stages = [.. Stages], Adaptation = Adaptation,
            }, sections);
        }

        /// <summary>
        /// Loads a saved state of the same options and data into this run (networks, D when stage 2 had run,
        /// figures, batch counter, then the generator last, so that creating D here draws nothing the run would
        /// not have drawn). Returns the stages it restored (0 when the state belongs to another run).
        /// </summary>
        public int Restore(string path, string stateHash, Func<INetwork> createDiscriminator)
        {
            using var state = RbpAddaStateFile.Load(path);
            if (state.Info.StateHash != stateHash)
            {
                log($"rbp-adda: {path} belongs to other options or data; starting afresh");
                return 0;
            }
            SourceEncoder.Module.load_state_dict(state.Section("ms"));
            TargetEncoder.Module.load_state_dict(state.Section("mt"));
            Predictor.Module.load_state_dict(state.Section("t"));
            var d = state.Section("d");
            if (d.Count > 0)
            {
                Discriminator = createDiscriminator();
                Discriminator.Module.load_state_dict(d);
            }
            StagesDone = state.Info.StagesDone;
            _batchCounter = state.Info.BatchCounter;
            Stages.AddRange(state.Info.Stages);
            Adaptation = state.Info.Adaptation;
            random.set_rng_state(state.TorchRng);
            log(StagesDone >= 3
                ? $"rbp-adda: {path} holds a finished run; restoring its result"
                : $"rbp-adda: resuming after stage {StagesDone} from {path}");
            foreach (var s in Stages)
                log($"rbp-adda   {s.Stage} (restored): Pearson source ({source.Name}) {s.SourcePearson:F4}, target ({target.Name}) {s.TargetPearson:F4}");
            return StagesDone;
        }

        /// <summary>A training minibatch [n, C, L], augmented when augmentation is on (training data only).</summary>
        private Tensor TrainingBatch(EncodedSplit split, ReadOnlySpan<int> indices, bool augment = true)
        {
            var input = split.Inputs[0];
            var channels = input.ChannelNames.Count;
            var size = channels * input.Length;
            var buffer = new float[indices.Length * size];
            for (var b = 0; b < indices.Length; b++) input.Data.AsSpan(indices[b] * size, size).CopyTo(buffer.AsSpan(b * size, size));
            var counter = _batchCounter++;
            if (augment && _augmenter.Options.Kind != AugmentationKind.None)
                _augmenter.Apply(buffer, indices.Length, channels, input.Length, _augmenter.StreamFor(0, counter));
            return tensor(buffer, [indices.Length, channels, input.Length]);
        }

        private static Tensor Features(INetwork encoder, Tensor x)
        {
            using var noGrad = no_grad();
            return encoder.Forward([x]).detach();
        }

        public void PretrainSource()
        {
            var parameters = SourceEncoder.Module.parameters().Concat(Predictor.Module.parameters()).ToList();
            var optimizer = Track("source", optim.Adam(parameters, options.SourceLearningRate));
            SourceEncoder.Module.train();
            Predictor.Module.train();
            var n = source.Train.Count;
            for (var epoch = 0; epoch < options.SourceEpochs; epoch++)
            {
                var order = Enumerable.Range(0, n).ToArray();
                DeterministicRandom.For(options.Seed, $"rbpadda/source/{epoch}").Shuffle(order);
                double lossSum = 0;
                var steps = 0;
                for (var start = 0; start < n; start += options.BatchSize)
                {
                    cancellation.ThrowIfCancellationRequested();
                    var size = Math.Min(options.BatchSize, n - start);
                    if (size < 2) break;
                    using var scope = NewDisposeScope();
                    var indices = order.AsSpan(start, size);
                    var x = TrainingBatch(source.Train, indices);
                    var y = source.Train.LabelBatch(indices);
                    var loss = nn.functional.mse_loss(Predictor.Forward([SourceEncoder.Forward([x])]), y);
                    lossSum += CheckFinite(loss, "source pre-training");
                    steps++;
                    optimizer.zero_grad();
                    loss.backward();
                    optimizer.step();
                }
                log($"rbp-adda stage 1: epoch {epoch + 1}/{options.SourceEpochs}, training MSE {lossSum / Math.Max(1, steps):F4}");
            }
        }

        /// <summary>
        /// Stage 2. Returns D's balanced held-out accuracy (Ms(source test) = 1, Mt(target test) = 0) after the D-only
        /// warm-up and at the end, and D's mean training accuracy over the first and the last tenth of the adversarial
        /// iterations.
        /// </summary>
        public (double Before, double After, double First, double Last) Adapt(INetwork discriminator)
        {
            var optimizerD = Track("discriminator", optim.Adam(discriminator.Module.parameters(), options.DiscriminatorLearningRate, beta1: options.AdversarialBeta1));
            var optimizerMt = Track("target-encoder", optim.Adam(TargetEncoder.Module.parameters(), options.TargetEncoderLearningRate, beta1: options.AdversarialBeta1));
            var sourceBatches = new BatchCycler(source.Train.Count, options.BatchSize, options.Seed, "rbpadda/adapt/source");
            var targetBatches = new BatchCycler(target.Train.Count, options.BatchSize, options.Seed, "rbpadda/adapt/target");
            SourceEncoder.Module.eval();
            TargetEncoder.Module.train();
            discriminator.Module.train();
            var window = Math.Max(1, options.AdversarialIterations / 10);
            double first = 0, last = 0, before = 0;
            var total = options.DiscriminatorWarmup + options.AdversarialIterations;
            var report = Math.Max(1, options.AdversarialIterations / 4);
            double windowAccuracy = 0, windowMt = 0;
            for (var step = 0; step < total; step++)
            {
                var it = step - options.DiscriminatorWarmup;
                if (it == 0)
                {
                    before = HeldOutAccuracy(discriminator);
                    discriminator.Module.train();
                }
                cancellation.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                var xs = TrainingBatch(source.Train, sourceBatches.Next());
                var xt = TrainingBatch(target.Train, targetBatches.Next());

                // D: Ms(source) → 1, Mt(target) → 0.
                var fs = Features(SourceEncoder, xs);
                var ft = Features(TargetEncoder, xt);
                var features = cat([fs, ft], 0);
                var labels = cat([ones([fs.shape[0], 1]), zeros([ft.shape[0], 1])], 0);
                double accuracy = 0;
                for (var dStep = 0; dStep < options.DiscriminatorSteps; dStep++)
                {
                    var logits = discriminator.Forward([features]);
                    var lossD = nn.functional.binary_cross_entropy_with_logits(logits, labels);
                    CheckFinite(lossD, "adaptation (discriminator)");
                    if (dStep == 0)
                        using (no_grad()) accuracy = (logits.detach() > 0).to(ScalarType.Float32).eq(labels).to(ScalarType.Float32).mean().item<float>();
                    optimizerD.zero_grad();
                    lossD.backward();
                    optimizerD.step();
                }
                if (it < 0) continue; // warm-up: D only
                if (it < window) first += accuracy / window;
                if (it >= options.AdversarialIterations - window) last += accuracy / window;
                windowAccuracy += accuracy;

                // Mt: fool D (target features labelled 1).
                var fooled = discriminator.Forward([TargetEncoder.Forward([xt])]);
                var lossMt = nn.functional.binary_cross_entropy_with_logits(fooled, ones([xt.shape[0], 1]));
                windowMt += CheckFinite(lossMt, "adaptation (target encoder)");
                optimizerMt.zero_grad();
                lossMt.backward();
                optimizerMt.step();
                if ((it + 1) % report == 0 || it + 1 == options.AdversarialIterations)
                {
                    var count = it % report + 1;
                    log($"rbp-adda stage 2: iteration {it + 1}/{options.AdversarialIterations}, D training accuracy {windowAccuracy / count:F3}, Mt loss {windowMt / count:F4}");
                    windowAccuracy = windowMt = 0;
                }
            }
            TargetEncoder.Module.eval();
            return (before, HeldOutAccuracy(discriminator), first, last);
        }

        private double HeldOutAccuracy(INetwork discriminator)
        {
            discriminator.Module.eval();
            return 0.5 * (HitRate(discriminator, SourceEncoder, source.Test, positive: true) + HitRate(discriminator, TargetEncoder, target.Test, positive: false));
        }

        public void FineTune()
        {
            if (options.FineTuneIterations == 0) return;
            var optimizer = Track("finetune", optim.Adam(Predictor.Module.parameters(), options.FineTuneLearningRate));
            var report = Math.Max(1, options.FineTuneIterations / 4);
            double windowLoss = 0;
            var sourceBatches = new BatchCycler(source.Train.Count, options.BatchSize, options.Seed, "rbpadda/finetune/source");
            var targetBatches = new BatchCycler(target.Train.Count, options.BatchSize, options.Seed, "rbpadda/finetune/target");
            SourceEncoder.Module.eval();
            TargetEncoder.Module.eval();
            Predictor.Module.train();
            for (var it = 0; it < options.FineTuneIterations; it++)
            {
                cancellation.ThrowIfCancellationRequested();
                foreach (var (domain, encoder, batches) in new[] { (source, SourceEncoder, sourceBatches), (target, TargetEncoder, targetBatches) })
                {
                    using var scope = NewDisposeScope();
                    var indices = batches.Next();
                    var f = Features(encoder, TrainingBatch(domain.Train, indices));
                    var loss = nn.functional.mse_loss(Predictor.Forward([f]), domain.Train.LabelBatch(indices));
                    windowLoss += CheckFinite(loss, "fine-tuning");
                    optimizer.zero_grad();
                    loss.backward();
                    optimizer.step();
                }
                if ((it + 1) % report == 0 || it + 1 == options.FineTuneIterations)
                {
                    log($"rbp-adda stage 3: iteration {it + 1}/{options.FineTuneIterations}, training MSE (both domains) {windowLoss / (2 * (it % report + 1)):F4}");
                    windowLoss = 0;
                }
            }
        }

        public StageMetrics Measure(string stage) =>
            new(stage, Pearson(SourceEncoder, source.Test), Pearson(TargetEncoder, target.Test));

        private double Pearson(INetwork encoder, EncodedSplit split)
        {
            var predicted = Predict(encoder, split);
            var labels = split.RawLabels.Select(v => (double)v).ToArray();
            return RegressionMetrics.Pearson(predicted, labels);
        }

        private double[] Predict(INetwork encoder, EncodedSplit split)
        {
            encoder.Module.eval();
            Predictor.Module.eval();
            var result = new double[split.Count];
            using var noGrad = no_grad();
            for (var start = 0; start < split.Count; start += 512)
            {
                using var scope = NewDisposeScope();
                var indices = Enumerable.Range(start, Math.Min(512, split.Count - start)).ToArray();
                var output = Predictor.Forward([encoder.Forward(split.InputBatch(indices))]);
                output.to(ScalarType.Float64).data<double>().ToArray().CopyTo(result, start);
            }
            return result;
        }

        /// <summary>
        /// Domain separability of the current features: a fresh discriminator (same initial weights every time) is
        /// trained on Ms(source train) = 1 against Mt(target train) = 0 and scored on the held-out parts
        /// (balanced accuracy; 0.5 = the domains are indistinguishable).
        /// </summary>
        public double ProbeAccuracy(NetworkShape featureShape, Dictionary<string, JsonElement> hp)
        {
            var rng = get_rng_state();
            try
            {
                manual_seed((long)((options.Seed ^ 0x9E3779B97F4A7C15UL) & long.MaxValue));
                using var probe = Architectures.Get("rbpadda-discriminator").Create(featureShape, hp);
                using var optimizer = optim.Adam(probe.Module.parameters(), options.ProbeLearningRate);
                var sourceBatches = new BatchCycler(source.Train.Count, options.BatchSize, options.Seed, "rbpadda/probe/source");
                var targetBatches = new BatchCycler(target.Train.Count, options.BatchSize, options.Seed, "rbpadda/probe/target");
                probe.Module.train();
                for (var it = 0; it < options.ProbeIterations; it++)
                {
                    using var scope = NewDisposeScope();
                    var fs = Features(SourceEncoder, TrainingBatch(source.Train, sourceBatches.Next(), augment: false));
                    var ft = Features(TargetEncoder, TrainingBatch(target.Train, targetBatches.Next(), augment: false));
                    var labels = cat([ones([fs.shape[0], 1]), zeros([ft.shape[0], 1])], 0);
                    var loss = nn.functional.binary_cross_entropy_with_logits(probe.Forward([cat([fs, ft], 0)]), labels);
                    optimizer.zero_grad();
                    loss.backward();
                    optimizer.step();
                }
                probe.Module.eval();
                return 0.5 * (HitRate(probe, SourceEncoder, source.Test, positive: true) + HitRate(probe, TargetEncoder, target.Test, positive: false));
            }
            finally
            {
                set_rng_state(rng);
                rng.Dispose();
            }
        }

        private static double HitRate(INetwork probe, INetwork encoder, EncodedSplit split, bool positive)
        {
            using var noGrad = no_grad();
            long hits = 0;
            for (var start = 0; start < split.Count; start += 512)
            {
                using var scope = NewDisposeScope();
                var indices = Enumerable.Range(start, Math.Min(512, split.Count - start)).ToArray();
                var logits = probe.Forward([encoder.Forward(split.InputBatch(indices))]);
                var values = logits.to(ScalarType.Float64).data<double>().ToArray();
                hits += values.Count(v => positive ? v > 0 : v <= 0);
            }
            return (double)hits / split.Count;
        }

        private static double CheckFinite(Tensor loss, string stage)
        {
            var value = loss.item<float>();
            if (!float.IsFinite(value))
                throw new InvalidOperationException($"rbp-adda {stage}: the loss became {value}; lower the learning rate");
            return value;
        }
    }

    internal static string Sha256Hex(string text) => Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)));

    internal static readonly JsonSerializerOptions Json = new() { WriteIndented = false, Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) } };
}
