using RbpPipeline.Trainer.Networks;

namespace RbpPipeline.Trainer.Training;

public enum OptimizerKind { Adam, RmsProp, Sgd }

public enum LossKind
{
    /// <summary>Mean squared error (regression).</summary>
    Mse,

    /// <summary>Binary cross-entropy on logits.</summary>
    Bce,

    /// <summary>Binary cross-entropy on logits with a per-task positive weight (negatives / positives in training).</summary>
    WeightedBce,

    /// <summary>Softmax cross-entropy over the output columns; the single label column holds the class index.</summary>
    CrossEntropy,
}

public enum MonitorMode { Min, Max }

/// <summary>
/// Everything that decides how a network is trained. All of it (except <see cref="Threads"/>) is part of the
/// configuration hash, so a resumed run only continues a state written under the same options.
/// </summary>
public sealed record TrainingOptions
{
    public OptimizerKind Optimizer { get; init; } = OptimizerKind.Adam;

    public double LearningRate { get; init; } = 1e-3;

    public double WeightDecay { get; init; }

    /// <summary>SGD and RMSprop momentum.</summary>
    public double Momentum { get; init; }

    public int BatchSize { get; init; } = 64;

    /// <summary>The most epochs to run (early stopping may end sooner).</summary>
    public int Epochs { get; init; } = 10;

    /// <summary>Stop after this many epochs without validation improvement; 0 disables.</summary>
    public int EarlyStoppingPatience { get; init; }

    /// <summary>Multiply the learning rate by this after <see cref="LrDecayPatience"/> epochs without improvement; 1 disables.</summary>
    public double LrDecayFactor { get; init; } = 1;

    public int LrDecayPatience { get; init; }

    /// <summary>The learning rate never decays below this.</summary>
    public double MinLearningRate { get; init; }

    public LossKind Loss { get; init; } = LossKind.Mse;

    /// <summary>The validation figure that decides improvement: loss, auroc, aupr, pearson or spearman.</summary>
    public string Monitor { get; init; } = "loss";

    /// <summary>Whether a larger or a smaller <see cref="Monitor"/> is better; null = min for loss, max otherwise.</summary>
    public MonitorMode? MonitorMode { get; init; }

    /// <summary>A change smaller than this does not count as an improvement.</summary>
    public double MinDelta { get; init; }

    /// <summary>Clip the global gradient norm to this; 0 disables.</summary>
    public double GradientClipNorm { get; init; }

    /// <summary>
    /// &gt; 0: keep an exponential moving average of the weights with this per-step decay (<see cref="WeightAverage"/>);
    /// validation, the best epoch and the saved model use the average. 0 disables.
    /// </summary>
    // Left out of the configuration hash's JSON when 0, so that adding it changed no other model's hash.
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingDefault)]
    public double WeightAverageDecay { get; init; }

    public ulong Seed { get; init; } = 1;

    /// <summary>Intra-op threads; 0 = one per core. Not part of the configuration hash.</summary>
    public int Threads { get; init; }

    /// <summary>auto | cpu | cuda | cuda:N (<see cref="TrainingDevice"/>). Not part of the configuration hash.</summary>
    public string Device { get; init; } = TrainingDevice.Auto;

    /// <summary>Batch size for prediction (validation, test); no gradients, so it can be large (see <see cref="Evaluation.DefaultBatchSize"/>).</summary>
    public int EvaluationBatchSize { get; init; } = Evaluation.DefaultBatchSize;

    public static readonly IReadOnlyList<string> MonitorNames = ["loss", "auroc", "aupr", "pearson", "spearman"];

    public MonitorMode EffectiveMonitorMode => MonitorMode ?? (Monitor == "loss" ? Training.MonitorMode.Min : Training.MonitorMode.Max);

    /// <summary>The architecture's published procedure as options.</summary>
    public static TrainingOptions FromDefaults(TrainingDefaults defaults, ulong seed = 1)
    {
        ArgumentNullException.ThrowIfNull(defaults);
        var loss = defaults.Loss;
        return new TrainingOptions
        {
            Optimizer = defaults.Optimizer,
            LearningRate = defaults.LearningRate,
            WeightDecay = defaults.WeightDecay,
            BatchSize = defaults.BatchSize,
            Epochs = defaults.Epochs,
            EarlyStoppingPatience = defaults.EarlyStoppingPatience,
            LrDecayFactor = defaults.LrDecayFactor,
            LrDecayPatience = defaults.LrDecayPatience,
            Loss = loss,
            Monitor = loss is LossKind.Mse ? "pearson" : loss is LossKind.CrossEntropy ? "loss" : "auroc",
            Seed = seed,
        };
    }

    public static LossKind ParseLoss(string name) => name.ToLowerInvariant() switch
    {
        "mse" => LossKind.Mse,
        "bce" => LossKind.Bce,
        "weighted-bce" => LossKind.WeightedBce,
        "cross-entropy" => LossKind.CrossEntropy,
        _ => throw new ArgumentException($"unknown loss '{name}' (mse, bce, weighted-bce, cross-entropy)"),
    };

    public static string Name(OptimizerKind kind) => kind switch
    {
        OptimizerKind.Adam => "adam",
        OptimizerKind.RmsProp => "rmsprop",
        _ => "sgd",
    };

    public static string Name(LossKind kind) => kind switch
    {
        LossKind.Mse => "mse",
        LossKind.Bce => "bce",
        LossKind.WeightedBce => "weighted-bce",
        _ => "cross-entropy",
    };

    /// <summary>Throws <see cref="ArgumentException"/> naming the first unusable value.</summary>
    public void Validate()
    {
        if (!(LearningRate > 0) || !double.IsFinite(LearningRate)) throw new ArgumentException($"learning rate must be positive, got {LearningRate}");
        if (WeightDecay < 0 || !double.IsFinite(WeightDecay)) throw new ArgumentException($"weight decay must be ≥ 0, got {WeightDecay}");
        if (Momentum < 0 || !double.IsFinite(Momentum)) throw new ArgumentException($"momentum must be ≥ 0, got {Momentum}");
        if (BatchSize < 2) throw new ArgumentException($"batch size must be at least 2 (batch normalisation needs two samples), got {BatchSize}");
        if (Epochs < 1) throw new ArgumentException($"epochs must be at least 1, got {Epochs}");
        if (EarlyStoppingPatience < 0) throw new ArgumentException($"early stopping patience must be ≥ 0, got {EarlyStoppingPatience}");
        if (LrDecayFactor is <= 0 or > 1 || double.IsNaN(LrDecayFactor)) throw new ArgumentException($"the learning-rate decay factor must be in (0, 1], got {LrDecayFactor}");
        if (LrDecayPatience < 0) throw new ArgumentException($"the learning-rate decay patience must be ≥ 0, got {LrDecayPatience}");
        if (MinLearningRate < 0) throw new ArgumentException($"the minimum learning rate must be ≥ 0, got {MinLearningRate}");
        if (!MonitorNames.Contains(Monitor)) throw new ArgumentException($"unknown monitor metric '{Monitor}' ({string.Join(", ", MonitorNames)})");
        if (MinDelta < 0) throw new ArgumentException($"min delta must be ≥ 0, got {MinDelta}");
        if (WeightAverageDecay is < 0 or >= 1 || double.IsNaN(WeightAverageDecay)) throw new ArgumentException($"the weight-average decay must be in [0, 1) (0 = off), got {WeightAverageDecay}");
        if (GradientClipNorm < 0) throw new ArgumentException($"the gradient clip norm must be ≥ 0, got {GradientClipNorm}");
        if (!TrainingDevice.IsValid(Device)) throw new ArgumentException($"device must be auto, cpu, cuda or cuda:N, got '{Device}'");
        if (Threads < 0) throw new ArgumentException($"threads must be ≥ 0 (0 = one per core), got {Threads}");
        if (EvaluationBatchSize < 1) throw new ArgumentException($"the evaluation batch size must be ≥ 1, got {EvaluationBatchSize}");
    }
}
