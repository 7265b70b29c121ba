using RbpPipeline.Contracts.Manifests;
using RbpPipeline.Trainer.Training;

namespace RbpPipeline.Trainer.Pipeline;

/// <summary>
/// The presets a model entry can name. The figures behind each choice (validation AUROC per experiment, CPU minutes)
/// are in docs/clip-recipe.md; change a preset only together with that page.
/// </summary>
public static class ModelPresets
{
    /// <summary>
    /// An ensemble of three ResidualBinds and two Multi-resBinds trained for binary CLIP data (101 nt, the iDeepS/iONMF
    /// benchmark's shape), each up to 8 epochs with plateau decay and early stopping on validation AUROC, keeping an
    /// exponential moving average of its weights (decay 0.998) as the model.
    /// </summary>
    public static ModelPreset ClipBinary { get; } = new()
    {
        Name = "clip-binary",
        Description = "ensemble of 3 ResidualBinds and 2 Multi-resBinds for binary CLIP data: each up to 8 epochs, weight average 0.998, LR x0.3 after an epoch without validation AUROC gain, early stop after 2, best epoch",
        TaskType = TaskType.Binary,
        Architecture = "residualbind",
        Encoding = new EncodingConfig { Length = 101 },
        Training = new TrainingOverrides
        {
            Optimizer = OptimizerKind.Adam, LearningRate = 1e-3, BatchSize = 100, Epochs = 8, EarlyStopping = 2,
            LrDecayFactor = 0.3, LrDecayPatience = 1, Loss = LossKind.Bce, Monitor = "auroc", WeightAverage = 0.998,
        },
        EnsembleSeeds = 3,
        EnsembleMembers = [new PresetMember("multiresbind", 2)],
        SharedMembers = [new PresetMember("residualbind", 1), new PresetMember("multiresbind", 1)],
    };

    /// <summary>
    /// The middle level of <see cref="ClipBinary"/>: the experiment's own five members only, without the shared multi-task
    /// members (about 13.5 instead of about 21 CPU minutes per experiment on the 2-core VM; served mean 0.846 instead of 0.849).
    /// </summary>
    public static ModelPreset ClipBinaryLite { get; } = ClipBinary with
    {
        Name = "clip-binary-lite",
        Description = "clip-binary without the shared multi-task members: 3 ResidualBinds and 2 Multi-resBinds of the experiment's own, weight average 0.998",
        SharedMembers = [],
    };

    /// <summary>The cheapest level of <see cref="ClipBinary"/>: one of its ResidualBind members.</summary>
    public static ModelPreset ClipBinaryFast { get; } = ClipBinary with
    {
        Name = "clip-binary-fast",
        Description = "one clip-binary member: ResidualBind, up to 8 epochs, weight average 0.998, plateau decay, early stop after 2",
        EnsembleSeeds = null,
        EnsembleMembers = [],
        SharedMembers = [],
    };

    public static IReadOnlyList<ModelPreset> All { get; } = [ClipBinary, ClipBinaryLite, ClipBinaryFast];

    public static IReadOnlyList<string> Names => [.. All.Select(p => p.Name)];

    /// <summary>The preset of this name (exact, case-insensitive), or null.</summary>
    public static ModelPreset? Find(string name) => All.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The entry's training keys over the preset's: each key the entry sets wins, the others come from the preset.</summary>
    public static TrainingOverrides Merge(TrainingOverrides entry, TrainingOverrides preset)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(preset);
        return new TrainingOverrides
        {
            Optimizer = entry.Optimizer ?? preset.Optimizer,
            LearningRate = entry.LearningRate ?? preset.LearningRate,
            WeightDecay = entry.WeightDecay ?? preset.WeightDecay,
            Momentum = entry.Momentum ?? preset.Momentum,
            BatchSize = entry.BatchSize ?? preset.BatchSize,
            Epochs = entry.Epochs ?? preset.Epochs,
            EarlyStopping = entry.EarlyStopping ?? preset.EarlyStopping,
            LrDecayFactor = entry.LrDecayFactor ?? preset.LrDecayFactor,
            LrDecayPatience = entry.LrDecayPatience ?? preset.LrDecayPatience,
            MinLearningRate = entry.MinLearningRate ?? preset.MinLearningRate,
            Loss = entry.Loss ?? preset.Loss,
            Monitor = entry.Monitor ?? preset.Monitor,
            Mode = entry.Mode ?? preset.Mode,
            MinDelta = entry.MinDelta ?? preset.MinDelta,
            GradientClip = entry.GradientClip ?? preset.GradientClip,
            WeightAverage = entry.WeightAverage ?? preset.WeightAverage,
            Device = entry.Device ?? preset.Device,
            Augmentation = entry.Augmentation ?? preset.Augmentation,
        };
    }
}
