using System.Diagnostics;
using System.Text.Json;
using RbpPipeline.Contracts.Manifests;
using RbpPipeline.Trainer.Checkpoints;
using RbpPipeline.Trainer.Data;
using RbpPipeline.Trainer.Networks;
using RbpPipeline.Trainer.Training.Optimizers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RbpPipeline.Trainer.Training;

/// <summary>What to train on what.</summary>
public sealed record TrainingRequest
{
    public required IArchitecture Architecture { get; init; }

    public required NetworkShape Shape { get; init; }

    /// <summary>Overrides of the architecture's defaults.</summary>
    public IReadOnlyDictionary<string, JsonElement> Hyperparameters { get; init; } = new Dictionary<string, JsonElement>();

    public required EncodedSplit Train { get; init; }

    /// <summary>Drives early stopping, LR decay and the choice of the best epoch; when empty the training loss does.</summary>
    public required EncodedSplit Validation { get; init; }

    /// <summary>Tasks with their fitted label transforms, in output order.</summary>
    public required IReadOnlyList<TaskInfo> Tasks { get; init; }

    public required TrainingOptions Options { get; init; }

    /// <summary>Where the resumable state is written after every epoch (and read from on start); null = no state.</summary>
    public string? StatePath { get; init; }

    /// <summary>Identifies the configuration; a state file with another hash is not resumed.</summary>
    public string ConfigHash { get; init; } = "";

    public ITrainingProgress Progress { get; init; } = NullTrainingProgress.Instance;

    /// <summary>
    /// Optional on-the-fly augmentation of the training batches' sequence input (validation and test data are never
    /// augmented); null = none. Its draws depend only on its seed, the epoch and the batch, so resuming stays exact.
    /// </summary>
    public Augmentation.SequenceAugmenter? Augmentation { get; init; }
}

/// <summary>A finished run: the network holds the best epoch's weights. Dispose it to free the network.</summary>
public sealed class TrainingOutcome(INetwork network, IReadOnlyList<EpochRecord> history, int bestEpoch, double bestValue,
    bool stoppedEarly, int resumedAfterEpoch, float[]? positiveWeights) : IDisposable
{
    public INetwork Network { get; } = network;

    public IReadOnlyList<EpochRecord> History { get; } = history;

    /// <summary>The epoch whose weights the network holds (the last one when none improved).</summary>
    public int BestEpoch { get; } = bestEpoch;

    public double BestValue { get; } = bestValue;

    public bool StoppedEarly { get; } = stoppedEarly;

    /// <summary>0 for a fresh run; k when the run continued a state saved after epoch k.</summary>
    public int ResumedAfterEpoch { get; } = resumedAfterEpoch;

    /// <summary>Weighted BCE's per-task positive weights (null for other losses).</summary>
    public float[]? PositiveWeights { get; } = positiveWeights;

    public void Dispose() => Network.Dispose();
}

/// <summary>
/// The training loop: seeded minibatches, the configured optimiser and loss (missing labels masked), validation
/// after every epoch, LR decay on a plateau, early stopping, best-epoch weights, and a resumable state saved
/// atomically after every epoch so that an interrupted run continues to the same final weights, bit for bit.
/// </summary>
public static class ModelTrainer
{
    public static TrainingOutcome Train(TrainingRequest request, CancellationToken cancellationToken = default) =>
        GlobalGenerator.Exclusive(() => TrainExclusively(request, cancellationToken));

    private static TrainingOutcome TrainExclusively(TrainingRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var options = request.Options;
        options.Validate();
        if (request.Train.Count < 2) throw new ArgumentException($"the training split has {request.Train.Count} record(s); at least 2 are needed");
        set_num_threads(options.Threads > 0 ? options.Threads : Environment.ProcessorCount);
        var device = TrainingDevice.Resolve(options.Device);

        // Initial weights come from the seeded libtorch generator, so the same seed gives the same network.
        manual_seed(unchecked((long)options.Seed));
        var network = request.Architecture.Create(request.Shape, request.Hyperparameters);
        try
        {
            // Created on the CPU (the seeded generator decides the initial weights on every device), then moved.
            if (device.type != DeviceType.CPU) network.Module.to(device);
            return Run(request, network, device, cancellationToken);
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    private static TrainingOutcome Run(TrainingRequest request, INetwork network, Device device, CancellationToken ct)
    {
        var options = request.Options;
        var progress = request.Progress;
        var module = network.Module;
        using var optimizer = CreateOptimizer(options, module);
        float[]? positiveWeights = options.Loss == LossKind.WeightedBce ? MaskedLoss.PositiveWeights(request.Train.ClassCounts()) : null;
        using var positiveWeightTensor = positiveWeights is null ? null : tensor(positiveWeights, device: device).DetachFromDisposeScope();

        var monitor = new ValidationMonitor(options);
        var history = new List<EpochRecord>();
        Dictionary<string, Tensor>? best = null;
        using var average = options.WeightAverageDecay > 0 ? new WeightAverage(options.WeightAverageDecay, module) : null;
        var epochsDone = 0;
        try
        {
            if (request.StatePath is { } statePath && File.Exists(statePath))
            {
                using var state = TrainingStateFile.Load(statePath);
                if (state.Info.ConfigHash != request.ConfigHash || state.Info.Architecture != network.Architecture)
                {
                    progress.Message($"{statePath} belongs to another configuration; starting afresh");
                }
                else
                {
                    module.load_state_dict(state.Section("model"));
                    OptimizerStateTensors.Restore(optimizer, state.Section("optimizer"), statePath);
                    var savedBest = state.Section("best");
                    if (savedBest.Count > 0) best = Snapshot(savedBest, disposeSource: false);
                    average?.Restore(state.Section("average"), statePath);
                    random.set_rng_state(state.TorchRng);
                    monitor = new ValidationMonitor(options, state.Info.Monitor);
                    history.AddRange(state.Info.History);
                    epochsDone = state.Info.EpochsDone;
                    progress.Message(state.Info.Finished
                        ? $"{statePath}: training had finished after epoch {epochsDone}; restoring its result"
                        : $"resuming after epoch {epochsDone} from {statePath}");
                }
            }
            var resumedAfter = epochsDone;

            var batchSize = options.BatchSize;
            var n = request.Train.Count;
            var batches = (n + batchSize - 1) / batchSize;
            // A last batch of one sample would break batch normalisation in training mode: fold it away.
            if (n % batchSize == 1) batches--;
            var useValidation = request.Validation.Count > 0;
            var monitorName = useValidation ? options.Monitor : "train loss";

            while (epochsDone < options.Epochs && !monitor.State.Stopped)
            {
                var epoch = epochsDone + 1;
                var clock = Stopwatch.StartNew();
                SetLearningRate(optimizer, monitor.State.LearningRate);
                var order = Enumerable.Range(0, n).ToArray();
                DeterministicRandom.For(options.Seed, $"shuffle/{epoch}").Shuffle(order);
                module.train();
                progress.EpochStarted(epoch, options.Epochs, batches);
                double lossSum = 0;
                for (var b = 0; b < batches; b++)
                {
                    ct.ThrowIfCancellationRequested();
                    var start = b * batchSize;
                    var size = b == batches - 1 ? n - start : batchSize;
                    using (var scope = NewDisposeScope())
                    {
                        var indices = order.AsSpan(start, size);
                        var inputs = request.Augmentation is { } augmenter
                            ? augmenter.InputBatch(request.Train, indices, epoch, b)
                            : request.Train.InputBatch(indices);
                        var target = request.Train.LabelBatch(indices);
                        if (device.type != DeviceType.CPU)
                        {
                            inputs = [.. inputs.Select(x => x.to(device))];
                            target = target.to(device);
                        }
                        var output = network.Forward(inputs);
                        var loss = MaskedLoss.Compute(options.Loss, output, target, positiveWeightTensor);
                        var batch = b + 1;
                        lossSum += OptimizationStep.Take(optimizer, loss,
                            value => $"the training loss became {value} in epoch {epoch}, batch {batch}; lower the learning rate or check the labels",
                            options.GradientClipNorm > 0 ? module.parameters() : null, options.GradientClipNorm);
                        average?.Update(module, (long)(epoch - 1) * batches + b);
                    }
                    progress.BatchCompleted(epoch, b + 1, batches, lossSum / (b + 1));
                }
                var trainLoss = lossSum / batches;

                IReadOnlyDictionary<string, double> validation = new Dictionary<string, double>();
                double monitored;
                MonitorDecision decision;
                if (useValidation)
                {
                    SplitEvaluation Validate() => Evaluation.Evaluate(network, request.Validation, request.Tasks, options.Loss, positiveWeights, options.EvaluationBatchSize);
                    // With a weight average, the average is what is validated, kept as the best and saved.
                    var evaluation = average is null ? Validate() : average.WithAverage(module, Validate);
                    validation = evaluation.Summary;
                    monitored = evaluation.Get(options.Monitor);
                    decision = monitor.Update(epoch, monitored);
                }
                else
                {
                    monitored = trainLoss;
                    decision = UpdateOnTrainLoss(ref monitor, options, epoch, trainLoss);
                }
                if (decision.Improved)
                {
                    DisposeAll(best);
                    // Copies: state_dict() aliases the parameters, and both they and the average change with every step.
                    best = Snapshot(average is null ? module.state_dict() : new Dictionary<string, Tensor>(average.State), disposeSource: false);
                }
                var record = new EpochRecord(epoch, trainLoss, monitored, optimizer.ParamGroups.First().LearningRate, decision.Improved, decision.Decayed,
                    clock.Elapsed.TotalSeconds, validation);
                history.Add(record);
                epochsDone = epoch;
                SetLearningRate(optimizer, decision.LearningRate);
                if (request.StatePath is { } path)
                {
                    TrainingStateFile.Save(path, new TrainingStateInfo
                    {
                        ConfigHash = request.ConfigHash,
                        Architecture = network.Architecture,
                        EpochsDone = epochsDone,
                        Finished = decision.Stop || epochsDone >= options.Epochs,
                        Monitor = monitor.State,
                        History = history,
                    }, module, optimizer, best, average?.State);
                }
                progress.EpochCompleted(record, options.Epochs, monitorName);
            }

            if (best is not null) module.load_state_dict(best);
            module.eval();
            var bestEpoch = monitor.State.BestEpoch > 0 ? monitor.State.BestEpoch : epochsDone;
            return new TrainingOutcome(network, history, bestEpoch, monitor.State.BestValue, monitor.State.Stopped && epochsDone < options.Epochs,
                resumedAfter, positiveWeights);
        }
        finally
        {
            DisposeAll(best);
        }
    }

    // Without a validation split the training loss decides (smaller is better).
    private static MonitorDecision UpdateOnTrainLoss(ref ValidationMonitor monitor, TrainingOptions options, int epoch, double trainLoss)
    {
        if (options.EffectiveMonitorMode != MonitorMode.Min || options.Monitor != "loss")
            monitor = new ValidationMonitor(options with { Monitor = "loss", MonitorMode = MonitorMode.Min }, monitor.State);
        return monitor.Update(epoch, trainLoss);
    }

    /// <summary>
    /// The optimiser the options name, over every parameter of <paramref name="module"/>: TorchSharp's, with a step that
    /// keeps its Scalars alive (see <see cref="ScalarSafe.Adam"/>).
    /// </summary>
    public static OptimizerHelper CreateOptimizer(TrainingOptions options, nn.Module module) => options.Optimizer switch
    {
        OptimizerKind.Adam => new ScalarSafe.Adam(module.parameters(), options.LearningRate, weightDecay: options.WeightDecay),
        OptimizerKind.RmsProp => new ScalarSafe.RMSProp(module.parameters(), options.LearningRate, weightDecay: options.WeightDecay, momentum: options.Momentum),
        OptimizerKind.Sgd => new ScalarSafe.SGD(module.parameters(), options.LearningRate, momentum: options.Momentum, weightDecay: options.WeightDecay),
        _ => throw new ArgumentOutOfRangeException(nameof(options), options.Optimizer, "unknown optimizer"),
    };

    private static void SetLearningRate(OptimizerHelper optimizer, double learningRate)
    {
        foreach (var group in optimizer.ParamGroups) group.LearningRate = learningRate;
    }

    // Copies (not aliases) of the tensors, owned by the caller.
    private static Dictionary<string, Tensor> Snapshot(Dictionary<string, Tensor> state, bool disposeSource)
    {
        var copy = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        using (no_grad())
            foreach (var (name, t) in state)
            {
                copy[name] = t.clone().DetachFromDisposeScope();
                if (disposeSource) t.Dispose();
            }
        return copy;
    }

    private static void DisposeAll(Dictionary<string, Tensor>? tensors)
    {
        if (tensors is null) return;
        foreach (var t in tensors.Values) t.Dispose();
    }
}
