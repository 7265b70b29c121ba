using RbpPipeline.Contracts.Manifests;
using RbpPipeline.Contracts.SequenceEncoding;
using RbpPipeline.Trainer.Adaptation;
using RbpPipeline.Trainer.Augmentation;
using RbpPipeline.Trainer.Networks;
using RbpPipeline.Trainer.Training;

namespace RbpPipeline.Trainer.Pipeline;

/// <summary>RBP-ADDA entries (<c>source</c> / <c>target</c> / <c>adaptation</c>) and <c>training.augmentation</c>.</summary>
public static partial class PipelineLoader
{
    /// <summary>The keys of an entry's <c>adaptation</c> block: every <see cref="RbpAddaOptions"/> setting a file may give.</summary>
    public static readonly IReadOnlyList<string> AdaptationKeys =
    [
        "source_epochs", "source_learning_rate", "adversarial_iterations", "discriminator_learning_rate", "target_encoder_learning_rate",
        "adversarial_beta1", "discriminator_warmup", "discriminator_steps", "fine_tune_iterations", "fine_tune_learning_rate", "batch_size",
        "skip_adaptation", "reversed", "preprocess_in_vivo", "sequence_length", "discriminator_hidden", "probe_iterations",
        "probe_learning_rate", "seed", "adversarial_loss", "target_supervision", "adversarial_weight", "collapse_window",
    ];

    private static readonly Dictionary<string, AdversarialLoss> AdversarialLossNames = new(StringComparer.Ordinal)
    {
        ["least_squares"] = AdversarialLoss.LeastSquares, ["logistic"] = AdversarialLoss.Logistic,
    };

    public static readonly IReadOnlyList<string> AugmentationKeys = ["operator", "positions_per_sequence", "fraction", "seed"];

    private static readonly Dictionary<string, AugmentationKind> AugmentationKinds = new()
    {
        ["none"] = AugmentationKind.None, ["replacement"] = AugmentationKind.Replacement, ["swap"] = AugmentationKind.Swap, ["gap"] = AugmentationKind.Gap,
    };

    private static readonly ArchitectureKey AdaptationArchitecture = ArchitectureKey.RbpAdda;

    private static ModelConfig ReadAdaptationModel(YamlMap map, string name, IArchitecture architecture, IReadOnlyDictionary<string, DatasetConfig> datasets)
    {
        var what = map.Has("source") ? "source" : map.Has("target") ? "target" : "adaptation";
        if (architecture.Key != AdaptationArchitecture)
            throw map.Error(map.KeyNode(what), map.KeyPath(what),
                $"'{what}' belongs to an RBP-ADDA entry (architecture: {AdaptationArchitecture}); a {architecture.Name} model trains on one 'dataset'");
        if (map.Has("dataset"))
            throw map.Error(map.KeyNode("dataset"), map.KeyPath("dataset"),
                "an RBP-ADDA entry names its two data sets with 'source' (in vitro) and 'target' (in vivo) instead of 'dataset'");
        foreach (var fixedKey in new[] { "encoding", "label_transform", "tracks" })
            if (map.Has(fixedKey))
                throw map.Error(map.KeyNode(fixedKey), map.KeyPath(fixedKey),
                    $"an RBP-ADDA entry fixes '{fixedKey}': sequences padded with N on the right to adaptation.sequence_length (41), scores scaled to [-1, 1] " +
                    "with minmax on each domain's own training labels, no tracks");

        var source = AdaptationDataset(map, "source", "the in-vitro data set, e.g. RNAcompete probes", datasets);
        var target = AdaptationDataset(map, "target", "the in-vivo data set, e.g. CLIP peaks", datasets);
        if (source.Name == target.Name)
            throw map.Error(map.Get("target")!, map.KeyPath("target"), $"source and target are both '{source.Name}'; RBP-ADDA adapts between two data sets");

        var options = new RbpAddaOptions();
        ulong? seed = null;
        if (map.Map("adaptation") is { } a)
        {
            a.AllowOnly([.. AdaptationKeys]);
            var d = options;
            var beta1 = a.Double("adversarial_beta1", 0, 1) ?? d.AdversarialBeta1;
            if (beta1 >= 1) throw a.Error(a.Get("adversarial_beta1")!, a.KeyPath("adversarial_beta1"), "Adam's β1 must be below 1 (0.9 is PyTorch's default, 0.5 common in GANs)");
            options = new RbpAddaOptions
            {
                SourceEpochs = a.Int("source_epochs", 1) ?? d.SourceEpochs,
                SourceLearningRate = a.Double("source_learning_rate", double.Epsilon) ?? d.SourceLearningRate,
                AdversarialIterations = a.Int("adversarial_iterations", 0) ?? d.AdversarialIterations,
                DiscriminatorLearningRate = a.Double("discriminator_learning_rate", double.Epsilon) ?? d.DiscriminatorLearningRate,
                TargetEncoderLearningRate = a.Double("target_encoder_learning_rate", double.Epsilon) ?? d.TargetEncoderLearningRate,
                AdversarialBeta1 = beta1,
                DiscriminatorWarmup = a.Int("discriminator_warmup", 0) ?? d.DiscriminatorWarmup,
                DiscriminatorSteps = a.Int("discriminator_steps", 1) ?? d.DiscriminatorSteps,
                FineTuneIterations = a.Int("fine_tune_iterations", 0) ?? d.FineTuneIterations,
                FineTuneLearningRate = a.Double("fine_tune_learning_rate", double.Epsilon) ?? d.FineTuneLearningRate,
                BatchSize = a.Int("batch_size", 2) ?? d.BatchSize,
                SkipAdaptation = a.Bool("skip_adaptation") ?? d.SkipAdaptation,
                Reversed = a.Bool("reversed") ?? d.Reversed,
                PreprocessInVivo = a.Bool("preprocess_in_vivo") ?? d.PreprocessInVivo,
                SequenceLength = a.Int("sequence_length", 8, 100_000) ?? d.SequenceLength,
                DiscriminatorHidden = a.Int("discriminator_hidden", 0) ?? d.DiscriminatorHidden,
                ProbeIterations = a.Int("probe_iterations", 0) ?? d.ProbeIterations,
                ProbeLearningRate = a.Double("probe_learning_rate", double.Epsilon) ?? d.ProbeLearningRate,
                AdversarialLoss = a.Enum("adversarial_loss", d.AdversarialLoss, AdversarialLossNames),
                TargetSupervision = a.Bool("target_supervision") ?? d.TargetSupervision,
                AdversarialWeight = a.Double("adversarial_weight", 0) ?? d.AdversarialWeight,
                CollapseWindow = a.Int("collapse_window", 0) ?? d.CollapseWindow,
            };
            seed = a.Int("seed", 0) is { } s ? (ulong)s : null;
            try { options.Validate(); }
            catch (ArgumentException e) { throw a.Error(e.Message); } // the ranges above catch each key; this is a backstop
        }

        AugmentationConfig? augmentation = null;
        if (map.Map("training") is { } t)
        {
            // The stage lengths and rates of RBP-ADDA are three stages' worth, so they live in 'adaptation'; a key
            // that is only a misspelling of 'augmentation' still gets the usual did-you-mean.
            var other = t.Keys.FirstOrDefault(k => k != "augmentation");
            if (other is not null && DidYouMean.Suggest(other, ["augmentation"]).Length == 0)
                throw t.Error(t.KeyNode(other), t.KeyPath(other),
                    $"an RBP-ADDA entry takes its stage lengths, rates and batch size from 'adaptation' ({string.Join(", ", AdaptationKeys)}); " +
                    "its 'training' holds only 'augmentation'");
            t.AllowOnly("augmentation");
            augmentation = ReadAugmentation(t);
        }

        return new ModelConfig
        {
            Name = name,
            Architecture = architecture.Name,
            Dataset = source.Name,
            Adaptation = new AdaptationConfig { Source = source.Name, Target = target.Name, Options = options, Seed = seed },
            Hyperparameters = ReadHyperparameters(map, architecture),
            Training = new TrainingOverrides { Augmentation = augmentation },
            Encoding = new EncodingConfig { Length = options.SequenceLength, Policy = LengthPolicy.Left },
            Seed = map.Int("seed", 0) is { } s2 ? (ulong)s2 : null,
        };
    }

    // A data set RBP-ADDA can read: plain (no fan-out), one regression score per record, sequence only.
    private static DatasetConfig AdaptationDataset(YamlMap map, string key, string what, IReadOnlyDictionary<string, DatasetConfig> datasets)
    {
        var node = map.Required(key, what);
        var name = map.AsString(node, map.KeyPath(key));
        if (!datasets.TryGetValue(name, out var dataset))
            throw map.Error(node, map.KeyPath(key), $"no data set named '{name}'{DidYouMean.Suggest(name, datasets.Keys)} (declared: {string.Join(", ", datasets.Keys)})");
        string? problem =
            dataset.FansOut ? "fans out ('each'); RBP-ADDA entries take plain data sets, so declare one entry per protein"
            : dataset.TaskType != TaskType.Regression ? $"is {dataset.TaskType.ToString().ToLowerInvariant()}; RBP-ADDA needs scores (format rnacompete, or task: regression)"
            : (dataset.Columns?.Labels.Count ?? dataset.Tasks?.Count ?? 1) != 1 ? "has several tasks; RBP-ADDA needs one score per record"
            : dataset.Tracks.Count > 0 || dataset.Columns?.Region is not null ? "has tracks; RBP-ADDA reads sequences only"
            : null;
        if (problem is not null) throw map.Error(node, map.KeyPath(key), $"data set '{name}' {problem}");
        return dataset;
    }

    /// <summary>training.device: auto | cpu | cuda | cuda:N (checked here; whether CUDA exists is asked at training time).</summary>
    private static string? ReadDevice(YamlMap training)
    {
        if (training.String("device") is not { } device) return null;
        if (!TrainingDevice.IsValid(device))
            throw training.Error(training.Get("device")!, training.KeyPath("device"), $"'{device}' is not a device: use auto, cpu, cuda or cuda:N");
        return device;
    }

    private static AugmentationConfig? ReadAugmentation(YamlMap training)
    {
        if (training.Map("augmentation") is not { } a) return null;
        a.AllowOnly([.. AugmentationKeys]);
        var config = new AugmentationConfig
        {
            Kind = a.AsEnum(a.Required("operator", "replacement, swap, gap or none"), a.KeyPath("operator"), AugmentationKinds),
            PositionsPerSequence = a.Int("positions_per_sequence", 1) ?? 1,
            Fraction = a.Double("fraction", 0, 1) ?? 1.0,
            Seed = a.Int("seed", 0) is { } s ? (ulong)s : null,
        };
        return config.Kind == AugmentationKind.None ? null : config;
    }
}
