using RbpPipeline.Trainer.Augmentation;
using RbpPipeline.Trainer.Checkpoints;
using RbpPipeline.Trainer.Metrics;
using RbpPipeline.Trainer.Networks;
using RbpPipeline.Trainer.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RbpPipeline.Trainer.Adaptation;

/// <summary>
/// What RBP-ADDA's stages share: the networks (Ms, Mt, T and, from stage 2, D), the optimisers of the stage in
/// progress, the augmentation batch counter, the figures so far, the held-out measurements, and the resumable state
/// (<see cref="Save"/>, <see cref="Restore"/>).
/// </summary>
internal sealed class RbpAddaRun(RbpAddaOptions options, RbpAddaDomain source, RbpAddaDomain target, Action<string> log, CancellationToken cancellation)
{
    /// <summary>Records per batch of the held-out measurements (every network is in evaluation mode then).</summary>
    public const int PredictionBatchSize = Evaluation.DefaultBatchSize;

    private readonly SequenceAugmenter _augmenter = new(options.Augmentation);
    // The optimisers of the stage in progress, by name; saved with the stage's state, then disposed (each stage
    // starts fresh optimisers, as the procedure prescribes).
    private readonly Dictionary<string, OptimizerHelper> _optimizers = new(StringComparer.Ordinal);
    private int _batchCounter;

    public RbpAddaOptions Options => options;

    public RbpAddaDomain Source => source;

    public RbpAddaDomain Target => target;

    public Action<string> Log => log;

    public CancellationToken Cancellation => cancellation;

    public required INetwork SourceEncoder { get; init; }

    public required INetwork TargetEncoder { get; init; }

    public required INetwork Predictor { get; init; }

    /// <summary>D: created in stage 2 (after the probe), kept so that its weights go into the state files.</summary>
    public INetwork? Discriminator { get; set; }

    public int StagesDone { get; set; }

    public List<StageMetrics> Stages { get; } = [];

    public AdaptationFigures Adaptation { get; set; } = AdaptationFigures.None;

    /// <summary>Registers an optimiser of the stage in progress, so that it is saved with the stage's state.</summary>
    public T Track<T>(string name, T optimizer) where T : OptimizerHelper
    {
        _optimizers[name] = optimizer;
        return optimizer;
    }

    public void DisposeOptimizers()
    {
        foreach (var o in _optimizers.Values) o.Dispose();
        _optimizers.Clear();
    }

    /// <summary>Frees every network and optimiser (a run that failed).</summary>
    public void DisposeAll()
    {
        SourceEncoder.Dispose();
        TargetEncoder.Dispose();
        Predictor.Dispose();
        Discriminator?.Dispose();
        DisposeOptimizers();
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
    /// Loads a saved state of the same options and data into this run. Returns the stages it restored (0 when the
    /// state belongs to another run). The order is part of the contract: the networks, then D (created here when
    /// stage 2 had run, which draws from the generator), then the figures and the batch counter, and the generator
    /// last, so that what creating D drew is overwritten and the next stage draws what an uninterrupted run draws.
    /// </summary>
    public int Restore(string path, string stateHash, Func<INetwork> createDiscriminator)
    {
        using var state = RbpAddaStateFile.Load(path);
        if (state.Info.StateHash != stateHash)
        {
            log($"rbp-adda: {path} belongs to other options or data; starting afresh");
            return 0;
        }
        RestoreNetworks(state, createDiscriminator);
        RestoreProgress(state.Info);
        random.set_rng_state(state.TorchRng); // last: see above
        log(StagesDone >= 3
            ? $"rbp-adda: {path} holds a finished run; restoring its result"
            : $"rbp-adda: resuming after stage {StagesDone} from {path}");
        foreach (var s in Stages)
            log($"rbp-adda   {s.Stage} (restored): Pearson source ({source.Name}) {s.SourcePearson:F4}, target ({target.Name}) {s.TargetPearson:F4}");
        return StagesDone;
    }

    private void RestoreNetworks(LoadedState<RbpAddaStateInfo> state, Func<INetwork> createDiscriminator)
    {
        SourceEncoder.Module.load_state_dict(state.Section("ms"));
        TargetEncoder.Module.load_state_dict(state.Section("mt"));
        Predictor.Module.load_state_dict(state.Section("t"));
        var d = state.Section("d");
        if (d.Count > 0)
        {
            Discriminator = createDiscriminator();
            Discriminator.Module.load_state_dict(d);
        }
    }

    private void RestoreProgress(RbpAddaStateInfo info)
    {
        StagesDone = info.StagesDone;
        _batchCounter = info.BatchCounter;
        Stages.AddRange(info.Stages);
        Adaptation = info.Adaptation;
    }

    /// <summary>A training minibatch [n, C, L], augmented when augmentation is on (training data only).</summary>
    public Tensor TrainingBatch(EncodedSplit split, ReadOnlySpan<int> indices, bool augment = true)
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

    /// <summary>An encoder's features of a batch, without gradients (the encoder is frozen where this is used).</summary>
    public static Tensor Features(INetwork encoder, Tensor x)
    {
        using var noGrad = no_grad();
        return encoder.Forward([x]).detach();
    }

    /// <summary>Held-out Pearson of both domains: source through Ms + T, target through Mt + T.</summary>
    public StageMetrics Measure(string stage) =>
        new(stage, Pearson(SourceEncoder, source.Test), Pearson(TargetEncoder, target.Test));

    private double Pearson(INetwork encoder, EncodedSplit split)
    {
        encoder.Module.eval();
        Predictor.Module.eval();
        var predicted = Predict(split, encoder, Predictor, "rbp-adda predictor");
        var labels = split.RawLabels.Select(v => (double)v).ToArray();
        return RegressionMetrics.Pearson(predicted, labels);
    }

    /// <summary>
    /// Balanced held-out accuracy of a discriminator, with it and both encoders in evaluation mode (callers that
    /// train set their modes again): Ms(source test) should score above <paramref name="threshold"/>, Mt(target
    /// test) at or below it; 0.5 = the domains are indistinguishable.
    /// </summary>
    public double HeldOutAccuracy(INetwork discriminator, double threshold)
    {
        discriminator.Module.eval();
        SourceEncoder.Module.eval();
        TargetEncoder.Module.eval();
        return 0.5 * (HitRate(discriminator, SourceEncoder, source.Test, threshold, positive: true) +
                      HitRate(discriminator, TargetEncoder, target.Test, threshold, positive: false));
    }

    private static double HitRate(INetwork discriminator, INetwork encoder, EncodedSplit split, double threshold, bool positive)
    {
        var scores = Predict(split, encoder, discriminator, "rbp-adda discriminator");
        return (double)scores.Count(v => positive ? v > threshold : v <= threshold) / split.Count;
    }

    // One value per record of head(encoder(x)), in the modules' current modes.
    private static double[] Predict(EncodedSplit split, INetwork encoder, INetwork head, string describe) =>
        [.. BatchedPrediction.Run(split, 1, PredictionBatchSize, CPU, inputs => head.Forward([encoder.Forward(inputs)]), describe).Select(v => (double)v)];

    /// <summary>One optimiser step on a stage's loss; a non-finite loss stops the run naming the stage.</summary>
    public static double Step(OptimizerHelper optimizer, Tensor loss, string stage) =>
        OptimizationStep.Take(optimizer, loss, value => $"rbp-adda {stage}: the loss became {value}; lower the learning rate");
}
