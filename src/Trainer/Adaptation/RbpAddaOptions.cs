using System.Text.Json;
using RbpPipeline.Trainer.Augmentation;
using RbpPipeline.Trainer.Data;

namespace RbpPipeline.Trainer.Adaptation;

/// <summary>
/// The three-stage RBP-ADDA procedure's settings. The defaults are the reference implementation's (Adam with
/// β = (0.9, 0.999) everywhere; source pre-training at 1e-3, discriminator 5e-5, target encoder 1e-3, fine-tuning
/// 5e-5; batch 256; least-squares GAN loss; a single-Linear discriminator; Mt's loss includes the target regression
/// term; no D warm-up); the stage lengths are ours (docs/rbp-adda.md lists every difference).
/// </summary>
public sealed record RbpAddaOptions
{
    /// <summary>Stage 1: epochs over the source training data (Ms + T, MSE).</summary>
    public int SourceEpochs { get; init; } = 10;

    public double SourceLearningRate { get; init; } = 1e-3;

    /// <summary>Stage 2: iterations, each one source and one target minibatch (one D step, one Mt step).</summary>
    public int AdversarialIterations { get; init; } = 500;

    public double DiscriminatorLearningRate { get; init; } = 5e-5;

    public double TargetEncoderLearningRate { get; init; } = 1e-3;

    /// <summary>Adam's β1 for D and Mt in stage 2 (0.9 is PyTorch's default; GAN practice often uses 0.5).</summary>
    public double AdversarialBeta1 { get; init; } = 0.9;

    /// <summary>
    /// D-only iterations at the start of stage 2 (Mt not updated); D's held-out accuracy is measured after them
    /// ("before") and at the end ("after"). 0 (the default) is the reference's procedure.
    /// </summary>
    public int DiscriminatorWarmup { get; init; }

    /// <summary>The GAN loss of D and Mt in stage 2 (the reference's is least squares).</summary>
    public AdversarialLoss AdversarialLoss { get; init; } = AdversarialLoss.LeastSquares;

    /// <summary>
    /// Mt's stage-2 loss adds T's squared error on the labelled target minibatch (½·Σ, T frozen), as the reference
    /// does; false gives the label-free ADDA objective (only the GAN term).
    /// </summary>
    public bool TargetSupervision { get; init; } = true;

    /// <summary>
    /// The weight of the GAN term in Mt's stage-2 loss: 1 is the procedure; 0 with <see cref="TargetSupervision"/>
    /// leaves plain supervised fine-tuning of Mt on the target labels (the ablation that isolates the adversarial term).
    /// </summary>
    public double AdversarialWeight { get; init; } = 1;

    /// <summary>
    /// Stage-2 iterations over which D's mean training accuracy at or below 0.02 or at or above 0.98 counts as a
    /// collapse and is warned about (0: no check).
    /// </summary>
    public int CollapseWindow { get; init; } = 50;

    /// <summary>Discriminator updates per stage-2 iteration (each on the iteration's minibatches) before the Mt update.</summary>
    public int DiscriminatorSteps { get; init; } = 1;

    /// <summary>Stage 3: iterations, each one source minibatch (through Ms) then one target minibatch (through Mt).</summary>
    public int FineTuneIterations { get; init; } = 200;

    public double FineTuneLearningRate { get; init; } = 5e-5;

    public int BatchSize { get; init; } = 256;

    /// <summary>The "without ADDA" ablation: stage 2 is skipped, so Mt stays a copy of Ms.</summary>
    public bool SkipAdaptation { get; init; }

    /// <summary>The "reversed" run: in vivo is the source domain and in vitro the target.</summary>
    public bool Reversed { get; init; }

    /// <summary>Apply <see cref="PeakPreprocessor"/> to the in-vivo records (either role).</summary>
    public bool PreprocessInVivo { get; init; } = true;

    /// <summary>The fixed input length; shorter sequences are padded with N on the right.</summary>
    public int SequenceLength { get; init; } = PeakPreprocessor.MaxLength;

    /// <summary>Overrides of the composite <c>rbpadda</c> hyperparameters (encoder and predictor).</summary>
    public IReadOnlyDictionary<string, JsonElement> Hyperparameters { get; init; } = new Dictionary<string, JsonElement>();

    /// <summary>The discriminator's hidden units (0, the default and the reference's: a single Linear).</summary>
    public int DiscriminatorHidden { get; init; }

    /// <summary>Training-batch augmentation (every stage, both domains); never applied to evaluation data.</summary>
    public AugmentationOptions Augmentation { get; init; } = new();

    /// <summary>Iterations of the fresh probe discriminator that measures domain separability before and after stage 2.</summary>
    public int ProbeIterations { get; init; } = 150;

    public double ProbeLearningRate { get; init; } = 1e-3;

    public ulong Seed { get; init; } = 1;

    /// <summary>Intra-op threads; 0 leaves libtorch's setting alone.</summary>
    public int Threads { get; init; }

    public void Validate()
    {
        if (SourceEpochs < 1) throw new ArgumentException($"source epochs must be at least 1, got {SourceEpochs}");
        if (AdversarialIterations < 0) throw new ArgumentException($"adversarial iterations must be ≥ 0, got {AdversarialIterations}");
        if (FineTuneIterations < 0) throw new ArgumentException($"fine-tune iterations must be ≥ 0, got {FineTuneIterations}");
        if (DiscriminatorWarmup < 0) throw new ArgumentException($"discriminator warm-up must be ≥ 0, got {DiscriminatorWarmup}");
        if (DiscriminatorSteps < 1) throw new ArgumentException($"discriminator steps must be at least 1, got {DiscriminatorSteps}");
        if (AdversarialBeta1 is < 0 or >= 1 || double.IsNaN(AdversarialBeta1)) throw new ArgumentException($"the adversarial β1 must be in [0, 1), got {AdversarialBeta1}");
        if (!(AdversarialWeight >= 0) || !double.IsFinite(AdversarialWeight)) throw new ArgumentException($"the adversarial weight must be ≥ 0, got {AdversarialWeight}");
        if (CollapseWindow < 0) throw new ArgumentException($"the collapse window must be ≥ 0, got {CollapseWindow}");
        if (ProbeIterations < 0) throw new ArgumentException($"probe iterations must be ≥ 0, got {ProbeIterations}");
        if (BatchSize < 2) throw new ArgumentException($"batch size must be at least 2, got {BatchSize}");
        if (SequenceLength < 8) throw new ArgumentException($"sequence length must be at least 8 (the encoder's two convolutions), got {SequenceLength}");
        if (DiscriminatorHidden < 0) throw new ArgumentException($"discriminator hidden units must be ≥ 0, got {DiscriminatorHidden}");
        foreach (var (name, lr) in new[] { ("source", SourceLearningRate), ("discriminator", DiscriminatorLearningRate),
                     ("target encoder", TargetEncoderLearningRate), ("fine-tune", FineTuneLearningRate), ("probe", ProbeLearningRate) })
            if (!(lr > 0) || !double.IsFinite(lr)) throw new ArgumentException($"the {name} learning rate must be positive, got {lr}");
        if (Threads < 0) throw new ArgumentException($"threads must be ≥ 0, got {Threads}");
        Augmentation.Validate();
    }
}

/// <summary>One in-vitro / in-vivo pair, each with a training part and a held-out part (single-task scores).</summary>
public sealed record RbpAddaData(
    IReadOnlyList<SequenceRecord> InVitroTrain,
    IReadOnlyList<SequenceRecord> InVitroTest,
    IReadOnlyList<SequenceRecord> InVivoTrain,
    IReadOnlyList<SequenceRecord> InVivoTest)
{
    /// <summary>RBP-ADDA's file layout: <c>train_X.source.txt</c>, <c>test_X.source.txt</c> (in vitro), <c>…target.txt</c> (in vivo), score TAB sequence.</summary>
    public static RbpAddaData ReadFolder(string folder, string protein) => new(
        [.. ScoreSequenceReader.Read(Path.Combine(folder, $"train_{protein}.source.txt"))],
        [.. ScoreSequenceReader.Read(Path.Combine(folder, $"test_{protein}.source.txt"))],
        [.. ScoreSequenceReader.Read(Path.Combine(folder, $"train_{protein}.target.txt"))],
        [.. ScoreSequenceReader.Read(Path.Combine(folder, $"test_{protein}.target.txt"))]);
}
