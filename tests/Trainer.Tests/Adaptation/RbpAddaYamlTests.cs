using System.Text.RegularExpressions;
using RbpPipeline.Trainer.Adaptation;
using RbpPipeline.Trainer.Augmentation;
using RbpPipeline.Trainer.Networks;
using RbpPipeline.Trainer.Pipeline;
using RbpPipeline.Trainer.Tests.Pipeline;

namespace RbpPipeline.Trainer.Tests.Adaptation;

/// <summary>RBP-ADDA entries (source / target / adaptation) and training.augmentation in pipeline.yaml.</summary>
public sealed partial class RbpAddaYamlTests
{
    internal const string Valid = """
        version: 1
        seed: 4
        stages: [prepare, train, evaluate]
        datasets:
          vitro:
            format: rnacompete
            train: domain-shift/in-vitro_train.txt.gz
            test: domain-shift/in-vitro_test.txt.gz
          vivo:
            format: rnacompete
            train: domain-shift/in-vivo_train.txt.gz
            test: domain-shift/in-vivo_test.txt.gz
          clip:
            format: fasta
            train: clip/train.fa
            test: clip/test.fa
        models:
          adda:
            architecture: rbpadda
            source: vitro
            target: vivo
            adaptation:
              source_epochs: 2
        """;

    private static PipelineConfig Parse(string yaml) => PipelineLoader.Parse(yaml, "/p/pipeline.yaml", PipelineYamlTests.Catalog);

    private static PipelineConfigException Fails(string yaml) =>
        Assert.Throws<PipelineConfigException>(() => Parse(yaml));

    [GeneratedRegex("(?<!^)([A-Z])")]
    private static partial Regex Capital();

    private static string SnakeCase(string name) => Capital().Replace(name, "_$1").ToLowerInvariant();

    [Fact]
    public void Every_key_of_the_adaptation_block_sets_its_option()
    {
        var yaml = Valid.Replace("      source_epochs: 2", """
                  source_epochs: 3
                  source_learning_rate: 0.002
                  adversarial_iterations: 7
                  discriminator_learning_rate: 0.0005
                  target_encoder_learning_rate: 1.0e-4
                  adversarial_beta1: 0.5
                  discriminator_warmup: 4
                  discriminator_steps: 2
                  fine_tune_iterations: 9
                  fine_tune_learning_rate: 0.0001
                  batch_size: 32
                  skip_adaptation: true
                  reversed: true
                  preprocess_in_vivo: false
                  sequence_length: 36
                  discriminator_hidden: 16
                  adversarial_loss: logistic
                  target_supervision: false
                  adversarial_weight: 0.25
                  collapse_window: 12
                  probe_iterations: 11
                  probe_learning_rate: 0.01
                  seed: 23
            """.TrimEnd('\n'));

        var model = Assert.Single(Parse(yaml).Models);

        var a = Assert.IsType<AdaptationConfig>(model.Adaptation);
        Assert.Equal(("vitro", "vivo"), (a.Source, a.Target));
        Assert.Equal(23UL, a.Seed);
        var expected = new RbpAddaOptions
        {
            SourceEpochs = 3, SourceLearningRate = 0.002, AdversarialIterations = 7, DiscriminatorLearningRate = 0.0005,
            TargetEncoderLearningRate = 1e-4, AdversarialBeta1 = 0.5, DiscriminatorWarmup = 4, DiscriminatorSteps = 2,
            FineTuneIterations = 9, FineTuneLearningRate = 0.0001, BatchSize = 32, SkipAdaptation = true, Reversed = true,
            PreprocessInVivo = false, SequenceLength = 36, DiscriminatorHidden = 16, ProbeIterations = 11, ProbeLearningRate = 0.01,
            AdversarialLoss = AdversarialLoss.Logistic, TargetSupervision = false, AdversarialWeight = 0.25, CollapseWindow = 12,
        };
        Assert.Equal(expected with { Hyperparameters = a.Options.Hyperparameters }, a.Options);
        Assert.Equal(36, model.Encoding.Length);
        Assert.Equal(Contracts.SequenceEncoding.LengthPolicy.Left, model.Encoding.Policy);
    }

    [Fact]
    public void The_adaptation_keys_cover_every_option_the_file_can_set()
    {
        // Hyperparameters come from 'hyperparameters', augmentation from 'training.augmentation', threads from the
        // file's or the CLI's threads: every other option must have its key, so none can be added and forgotten.
        var fromElsewhere = new[] { "hyperparameters", "augmentation", "threads" };
        var options = typeof(RbpAddaOptions).GetProperties().Select(p => SnakeCase(p.Name)).Except(fromElsewhere).Order().ToList();

        Assert.Equal(options, PipelineLoader.AdaptationKeys.Order().ToList());
    }

    [Fact]
    public void Without_an_adaptation_block_the_papers_defaults_apply_and_the_entry_plans_two_models()
    {
        var config = Parse(Valid.Replace("\n    adaptation:\n      source_epochs: 2", ""));
        var plans = PipelinePlanner.Plan(config);

        var defaults = new RbpAddaOptions();
        Assert.Equal(defaults, config.Models[0].Adaptation!.Options with { Hyperparameters = defaults.Hyperparameters });
        Assert.Equal(["adda-source", "adda-target"], plans.Select(p => p.Name));
        Assert.Equal([AdaptationPath.Source, AdaptationPath.Target], plans.Select(p => p.Adaptation!.Path));
        Assert.All(plans, p => Assert.Equal("adda", p.Adaptation!.Entry));
        Assert.EndsWith("in-vitro_train.txt.gz", plans[0].Adaptation!.InVitro.Train);
        Assert.EndsWith("in-vivo_test.txt.gz", plans[1].Adaptation!.InVivo.Test);
        Assert.Equal(4, plans[0].Files.Count()); // both data sets' files

        // The run's options: the model's seed (the file's here), batch 256, the reference's rates, loss, objective and
        // discriminator, no warm-up, no augmentation.
        var options = ModelData.AdaptationOptions(plans[0], threads: 0);
        Assert.Equal((4UL, 256, 5e-5, 1e-3), (options.Seed, options.BatchSize, options.DiscriminatorLearningRate, options.TargetEncoderLearningRate));
        Assert.Equal((AdversarialLoss.LeastSquares, true, 1.0, 0, 0), (options.AdversarialLoss, options.TargetSupervision, options.AdversarialWeight, options.DiscriminatorHidden, options.DiscriminatorWarmup));
        Assert.Equal(AugmentationKind.None, options.Augmentation.Kind);
        // Both plans share the configuration except their path, so their hashes differ.
        Assert.NotEqual(ModelData.ConfigHash(plans[0], Architectures.Get(ArchitectureKey.RbpAdda)), ModelData.ConfigHash(plans[1], Architectures.Get(ArchitectureKey.RbpAdda)));
    }

    [Fact]
    public void An_unknown_adversarial_loss_is_located_and_the_choices_named()
    {
        var e = Fails(Valid.Replace("source_epochs: 2", "adversarial_loss: least_square"));

        Assert.Equal(23, e.Line);
        Assert.Contains("'least_square' is not one of least_squares, logistic", e.Message);
    }

    [Fact]
    public void An_unknown_adaptation_key_is_located_with_a_suggestion()
    {
        var e = Fails(Valid.Replace("source_epochs: 2", "discriminator_learning_rat: 0.001"));

        Assert.Equal((23, 7), (e.Line, e.Column));
        Assert.Equal("models.adda.adaptation.discriminator_learning_rat", e.Key);
        Assert.Contains("unknown key 'discriminator_learning_rat'; did you mean 'discriminator_learning_rate'?", e.Message);
        Assert.StartsWith("/p/pipeline.yaml:23:7: ", e.Message);
    }

    [Fact]
    public void Wrong_types_and_ranges_in_the_adaptation_block_name_the_key()
    {
        var flag = Fails(Valid.Replace("source_epochs: 2", "skip_adaptation: maybe"));
        Assert.Equal((23, 24), (flag.Line, flag.Column));
        Assert.Contains("models.adda.adaptation.skip_adaptation: expected true or false, found 'maybe'", flag.Message);

        var batch = Fails(Valid.Replace("source_epochs: 2", "batch_size: 1"));
        Assert.Contains("models.adda.adaptation.batch_size: 1 is out of range (at least 2)", batch.Message);

        var beta = Fails(Valid.Replace("source_epochs: 2", "adversarial_beta1: 1"));
        Assert.Contains("models.adda.adaptation.adversarial_beta1: Adam's β1 must be below 1", beta.Message);

        var rate = Fails(Valid.Replace("source_epochs: 2", "fine_tune_learning_rate: fast"));
        Assert.Contains("models.adda.adaptation.fine_tune_learning_rate: expected a number, found 'fast'", rate.Message);
    }

    [Fact]
    public void The_entrys_data_sets_and_keys_are_checked()
    {
        var unknown = Fails(Valid.Replace("target: vivo", "target: vvo"));
        Assert.Contains("models.adda.target: no data set named 'vvo'; did you mean 'vivo'?", unknown.Message);
        Assert.Equal((21, 13), (unknown.Line, unknown.Column));

        var missing = Fails(Valid.Replace("    target: vivo\n", ""));
        Assert.Contains("models.adda.target: missing required key 'target' (the in-vivo data set", missing.Message);

        var binary = Fails(Valid.Replace("source: vitro", "source: clip"));
        Assert.Contains("data set 'clip' is binary; RBP-ADDA needs scores", binary.Message);

        var same = Fails(Valid.Replace("target: vivo", "target: vitro"));
        Assert.Contains("source and target are both 'vitro'", same.Message);

        var dataset = Fails(Valid.Replace("source: vitro", "source: vitro\n    dataset: vitro"));
        Assert.Contains("models.adda.dataset: an RBP-ADDA entry names its two data sets with 'source' (in vitro) and 'target' (in vivo)", dataset.Message);

        var encoding = Fails(Valid.Replace("source: vitro", "source: vitro\n    encoding: { length: 101 }"));
        Assert.Contains("models.adda.encoding: an RBP-ADDA entry fixes 'encoding'", encoding.Message);

        var other = Fails(Valid.Replace("architecture: rbpadda", "architecture: residualbind"));
        Assert.Contains("models.adda.source: 'source' belongs to an RBP-ADDA entry (architecture: rbpadda)", other.Message);

        var epochs = Fails(Valid.Replace("    adaptation:", "    training: { epochs: 3 }\n    adaptation:"));
        Assert.Contains("models.adda.training.epochs: an RBP-ADDA entry takes its stage lengths, rates and batch size from 'adaptation'", epochs.Message);

        var typo = Fails(Valid.Replace("    adaptation:", "    training: { augmentaton: { operator: swap } }\n    adaptation:"));
        Assert.Contains("unknown key 'augmentaton'; did you mean 'augmentation'?", typo.Message);

        var hp = Fails(Valid.Replace("    adaptation:", "    hyperparameters: { feature: 32 }\n    adaptation:"));
        Assert.Contains("models.adda.hyperparameters.feature: unknown key 'feature'; did you mean 'features'?", hp.Message);
    }

    [Fact]
    public void Augmentation_is_read_for_any_architecture_and_seeded_from_the_model_by_default()
    {
        var yaml = PipelineYamlTests.Valid.Replace("      epochs: 2", """
                  epochs: 2
                  augmentation:
                    operator: swap
                    positions_per_sequence: 2
                    fraction: 0.5
            """.TrimEnd('\n'));

        var config = PipelineLoader.Parse(yaml, "/p/pipeline.yaml", PipelineYamlTests.Catalog);
        var plan = PipelinePlanner.Plan(config).Single();

        Assert.Equal(new AugmentationConfig { Kind = AugmentationKind.Swap, PositionsPerSequence = 2, Fraction = 0.5 }, config.Models[0].Training.Augmentation);
        Assert.Equal(new AugmentationOptions { Kind = AugmentationKind.Swap, PositionsPerSequence = 2, Fraction = 0.5, Seed = 1 }, ModelData.Augmentation(plan));

        var seeded = PipelineLoader.Parse(yaml.Replace("fraction: 0.5", "fraction: 0.5\n        seed: 9"), "/p/pipeline.yaml", PipelineYamlTests.Catalog);
        Assert.Equal(9UL, ModelData.Augmentation(PipelinePlanner.Plan(seeded).Single())!.Seed);

        // Augmentation is part of the configuration, so adding it retrains.
        var plain = PipelinePlanner.Plan(PipelineLoader.Parse(PipelineYamlTests.Valid, "/p/pipeline.yaml", PipelineYamlTests.Catalog)).Single();
        Assert.NotEqual(ModelData.ConfigHash(plain, new Training.TinyCnnArchitecture()), ModelData.ConfigHash(plan, new Training.TinyCnnArchitecture()));
        Assert.Null(ModelData.Augmentation(plain));

        // An RBP-ADDA entry takes it too, seeded with the run's seed.
        var adda = Parse(Valid.Replace("    adaptation:", "    training: { augmentation: { operator: gap } }\n    adaptation:").Replace("source_epochs: 2", "seed: 6"));
        var options = ModelData.AdaptationOptions(PipelinePlanner.Plan(adda)[0], threads: 0);
        Assert.Equal(new AugmentationOptions { Kind = AugmentationKind.Gap, Seed = 6 }, options.Augmentation);
    }

    [Fact]
    public void Augmentation_errors_are_located()
    {
        string With(string block) => PipelineYamlTests.Valid.Replace("      epochs: 2", "      epochs: 2\n      augmentation: " + block);

        var op = Assert.Throws<PipelineConfigException>(() => PipelineLoader.Parse(With("{ operator: swp }"), "/p/pipeline.yaml", PipelineYamlTests.Catalog));
        Assert.Contains("models.tiny.training.augmentation.operator: 'swp' is not one of none, replacement, swap, gap; did you mean 'swap'?", op.Message);
        Assert.Equal((15, 33), (op.Line, op.Column));

        var key = Assert.Throws<PipelineConfigException>(() => PipelineLoader.Parse(With("{ operator: gap, position: 2 }"), "/p/pipeline.yaml", PipelineYamlTests.Catalog));
        Assert.Contains("unknown key 'position'", key.Message);

        var missing = Assert.Throws<PipelineConfigException>(() => PipelineLoader.Parse(With("{ fraction: 0.5 }"), "/p/pipeline.yaml", PipelineYamlTests.Catalog));
        Assert.Contains("models.tiny.training.augmentation.operator: missing required key 'operator'", missing.Message);

        var fraction = Assert.Throws<PipelineConfigException>(() => PipelineLoader.Parse(With("{ operator: gap, fraction: 1.5 }"), "/p/pipeline.yaml", PipelineYamlTests.Catalog));
        Assert.Contains("fraction: 1.5 is out of range (0 to 1)", fraction.Message);
    }

    [Fact]
    public void A_model_may_not_take_the_name_of_a_path_or_of_the_entrys_state_folder()
    {
        var path = Fails2(Valid + "\n  adda-source:\n    architecture: tiny-cnn\n    dataset: clip\n    encoding: { length: 101 }\n");
        Assert.Contains("two models would both be called 'adda-source'", path.Message);

        // A fan-out model "tiny" over the name "adda" would be called like the entry, whose folder holds the state.
        var fanOut = Valid
            .Replace("  clip:\n", "  clip:\n    each: [adda]\n")
            .Replace("clip/train.fa", "clip/{rbp}/train.fa").Replace("clip/test.fa", "clip/{rbp}/test.fa")
            .Replace("  adda:\n", "  adda-x:\n")
            + "\n  tiny:\n    architecture: tiny-cnn\n    dataset: clip\n    encoding: { length: 101 }\n";
        var yaml = fanOut.Replace("  adda-x:\n", "  tiny-adda:\n");
        var folder = Fails2(yaml);
        Assert.Contains("a model would be called 'tiny-adda', the name of an RBP-ADDA entry", folder.Message);

        static PipelineConfigException Fails2(string yaml) => Assert.Throws<PipelineConfigException>(() => PipelinePlanner.Plan(Parse(yaml)));
    }

    [Theory]
    [InlineData("rbp-adda.yaml", "pum2-adda")]
    [InlineData("rbp-adda-hnrnpc.yaml", "hnrnpc-adda")]
    public void The_example_pipelines_are_valid_and_plan_both_paths(string file, string entry)
    {
        var config = PipelineLoader.Load(Path.Combine(RepoPaths.Root, "examples", file), ArchitectureCatalog.Default);
        var plans = PipelinePlanner.Plan(config);

        Assert.Equal([$"{entry}-source", $"{entry}-target"], plans.Select(p => p.Name));
        Assert.Equal(PipelineLoader.KnownStages, config.Stages);
    }
}
