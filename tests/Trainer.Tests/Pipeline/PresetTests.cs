using RbpPipeline.Trainer.Networks;
using RbpPipeline.Trainer.Pipeline;
using RbpPipeline.Trainer.Training;

namespace RbpPipeline.Trainer.Tests.Pipeline;

public sealed class PresetTests
{
    private const string Minimal = """
        version: 1
        stages: [prepare, train]
        datasets:
          clip:
            format: fasta
            train: clip/train.fa
            test: clip/test.fa
        models:
          m:
            preset: clip-binary
            dataset: clip
        """;

    private static ModelConfig Load(string yaml) => Assert.Single(PipelineLoader.Parse(yaml, "/p/pipeline.yaml", PipelineYamlTests.Catalog).Models);

    private static PipelineConfigException Fails(string yaml) =>
        Assert.Throws<PipelineConfigException>(() => PipelineLoader.Parse(yaml, "/p/pipeline.yaml", PipelineYamlTests.Catalog));

    [Fact]
    public void An_entry_naming_only_the_preset_and_the_data_set_gets_the_presets_ensemble()
    {
        var model = Load(Minimal);
        var preset = ModelPresets.ClipBinary;

        Assert.Equal(ArchitectureKey.Ensemble.Name, model.Architecture);
        var members = model.Ensemble!.Members;
        Assert.Equal(["residualbind-1", "residualbind-2", "residualbind-3", "multiresbind-1", "multiresbind-2"], members.Select(m => m.Name));
        Assert.Equal([0UL, 1UL, 2UL, 0UL, 1UL], members.Select(m => m.SeedOffset));
        Assert.Equal(["residualbind", "residualbind", "residualbind", "multiresbind", "multiresbind"], members.Select(m => m.Model.Architecture));
        foreach (var member in members)
        {
            Assert.Null(member.Model.Ensemble);
            Assert.Equal(preset.Encoding, member.Model.Encoding);
            Assert.Equal(preset.Training, member.Model.Training);
            Assert.Empty(member.Model.Hyperparameters); // each architecture's own defaults
        }

        // What the train stage resolves for each member: seeds 1, 2, 3 (1, 2 for the Multi-resBinds) and every
        // training value the preset's, the weight average included.
        var plans = PipelinePlanner.Plan(PipelineLoader.Parse(Minimal, "/p/pipeline.yaml", PipelineYamlTests.Catalog));
        Assert.Equal(["m.residualbind-1", "m.residualbind-2", "m.residualbind-3", "m.multiresbind-1", "m.multiresbind-2", "m"], plans.Select(p => p.Name));
        Assert.Equal([1UL, 2UL, 3UL, 1UL, 2UL], plans.Take(5).Select(p => p.Seed));
        foreach (var (plan, architecture) in new[] { (plans[1], ArchitectureKey.ResidualBind), (plans[4], ArchitectureKey.MultiResBind) })
        {
            var options = ModelData.Options(plan, Architectures.Get(architecture));
            Assert.Equal(preset.Training.Epochs, options.Epochs);
            Assert.Equal(preset.Training.BatchSize, options.BatchSize);
            Assert.Equal(preset.Training.EarlyStopping, options.EarlyStoppingPatience);
            Assert.Equal(preset.Training.LrDecayFactor, options.LrDecayFactor);
            Assert.Equal(preset.Training.LrDecayPatience, options.LrDecayPatience);
            Assert.Equal(0.998, options.WeightAverageDecay);
            Assert.Equal(LossKind.Bce, options.Loss);
            Assert.Equal("auroc", options.Monitor);
        }
    }

    [Fact]
    public void An_ensemble_block_of_the_entry_replaces_the_presets_members_of_every_architecture()
    {
        var model = Load(Minimal.Replace("    dataset: clip", "    dataset: clip\n    ensemble: { seeds: 2 }"));

        Assert.Equal(["residualbind-1", "residualbind-2"], model.Ensemble!.Members.Select(m => m.Name));
    }

    [Fact]
    public void On_a_folder_of_experiments_every_member_is_a_multi_task_model_with_a_head_per_experiment()
    {
        var model = Load(Minimal.Replace("""
                train: clip/train.fa
                test: clip/test.fa
            """, """
                experiments: [PUM2, QKI]
                train: "clip/{rbp}/train.fa"
                test: "clip/{rbp}/test.fa"
            """));

        var members = model.Ensemble!.Members;
        Assert.Equal(["residualbind-1", "residualbind-2", "residualbind-3", "multiresbind-1", "multiresbind-2"], members.Select(m => m.Name));
        Assert.All(members, m => Assert.Equal("multihead", m.Model.Architecture));
        Assert.Equal(["residualbind", "residualbind", "residualbind", "multiresbind", "multiresbind"],
            members.Select(m => RbpPipeline.Trainer.Networks.Models.MultiHead.Trunk(m.Model.Hyperparameters[RbpPipeline.Trainer.Networks.Models.MultiHead.TrunkKey]).Architecture.Name));
        Assert.All(members, m => Assert.Equal(64, m.Model.Hyperparameters["features"].GetInt32()));
        Assert.All(members, m => Assert.Equal(32, m.Model.Hyperparameters["hidden"].GetInt32()));
        Assert.All(members, m => Assert.Equal(0.998, m.Model.Training.WeightAverage));

        // The entry's own heads win over the preset's default ones.
        var own = Load(Minimal.Replace("""
                train: clip/train.fa
                test: clip/test.fa
            """, """
                experiments: [PUM2, QKI]
                train: "clip/{rbp}/train.fa"
                test: "clip/{rbp}/test.fa"
            """).Replace("    dataset: clip", "    dataset: clip\n    heads: { features: 16, hidden: 0 }"));
        Assert.All(own.Ensemble!.Members, m => Assert.Equal(16, m.Model.Hyperparameters["features"].GetInt32()));
        Assert.All(own.Ensemble!.Members, m => Assert.Equal(0, m.Model.Hyperparameters["hidden"].GetInt32()));
    }

    [Fact]
    public void On_a_fan_out_data_set_the_experiments_share_multi_task_members_trained_once_on_all_of_them()
    {
        var yaml = Minimal.Replace("""
                train: clip/train.fa
                test: clip/test.fa
            """, """
                each: [PUM2, QKI]
                train: "clip/{rbp}/train.fa"
                test: "clip/{rbp}/test.fa"
            """);
        var plans = PipelinePlanner.Plan(PipelineLoader.Parse(yaml, "/p/pipeline.yaml", PipelineYamlTests.Catalog));

        // The shared members come first, once, each a multi-task model over both experiments with a head each.
        Assert.Equal(["m.multitask-residualbind", "m.multitask-multiresbind"], plans.Take(2).Select(p => p.Name));
        foreach (var shared in plans.Take(2))
        {
            Assert.Equal(["PUM2", "QKI"], shared.Dataset.TaskNames);
            Assert.NotNull(shared.Dataset.Experiments);
            Assert.Equal("multihead", shared.Model.Architecture);
            Assert.Equal("m", shared.MemberOf);
            Assert.Equal(1UL, shared.SplitSeed); // the split of each experiment's own ensemble
        }
        Assert.Equal(["residualbind", "multiresbind"],
            plans.Take(2).Select(p => RbpPipeline.Trainer.Networks.Models.MultiHead.Trunk(p.Model.Hyperparameters[RbpPipeline.Trainer.Networks.Models.MultiHead.TrunkKey]).Architecture.Name));

        // Each experiment's ensemble: its own five members, then the two shared ones, whose head it takes.
        var pum2 = plans.Single(p => p.Name == "m-PUM2");
        Assert.Equal(["m-PUM2.residualbind-1", "m-PUM2.residualbind-2", "m-PUM2.residualbind-3", "m-PUM2.multiresbind-1", "m-PUM2.multiresbind-2",
            "m.multitask-residualbind", "m.multitask-multiresbind"], pum2.Ensemble!.Members);
        Assert.Equal(["m.multitask-multiresbind", "m.multitask-residualbind"], pum2.Ensemble.Heads.Order());
        Assert.Equal(2 + 2 * 6, plans.Count);

        // The lite level: the same own members, nothing shared.
        var lite = PipelinePlanner.Plan(PipelineLoader.Parse(yaml.Replace("clip-binary", "clip-binary-lite"), "/p/pipeline.yaml", PipelineYamlTests.Catalog));
        Assert.Equal(2 * 6, lite.Count);
        Assert.Equal(pum2.Ensemble.Members.Take(5), lite.Single(p => p.Name == "m-PUM2").Ensemble!.Members);
        Assert.Empty(lite.Single(p => p.Name == "m-PUM2").Ensemble!.Heads);
    }

    [Fact]
    public void Keys_the_entry_writes_override_the_preset_one_by_one()
    {
        var model = Load(Minimal.Replace("    dataset: clip", """
                dataset: clip
                hyperparameters: { filters: 32 }
                encoding: { policy: left }
                training: { epochs: 2, weight_decay: 0.01 }
                ensemble: { seeds: 2 }
            """));
        var preset = ModelPresets.ClipBinary;

        Assert.Equal(2, model.Ensemble!.Members.Count);
        Assert.All(model.Ensemble.Members, m => Assert.Equal("residualbind", m.Model.Architecture));
        foreach (var member in model.Ensemble.Members.Select(m => m.Model))
        {
            Assert.Equal(32, member.Hyperparameters["filters"].GetInt32());
            Assert.Equal(preset.Encoding with { Policy = Contracts.SequenceEncoding.LengthPolicy.Left }, member.Encoding);
            Assert.Equal(preset.Training with { Epochs = 2, WeightDecay = 0.01 }, member.Training);
        }
    }

    [Fact]
    public void The_fast_level_is_one_model_trained_as_each_member_of_the_full_preset()
    {
        var fast = Load(Minimal.Replace("clip-binary", "clip-binary-fast"));
        var member = Load(Minimal).Ensemble!.Members[0].Model;

        Assert.Null(fast.Ensemble);
        Assert.Equal("residualbind", fast.Architecture);
        Assert.Equal(member.Training, fast.Training);
        Assert.Equal(member.Encoding, fast.Encoding);
        Assert.Equal(member.Hyperparameters.Keys, fast.Hyperparameters.Keys);
    }

    [Fact]
    public void A_preset_is_hashed_as_its_values_so_an_entry_spelling_them_out_is_the_same_model()
    {
        static string Hash(string yaml) => ModelData.ConfigHash(
            Assert.Single(PipelinePlanner.Plan(PipelineLoader.Parse(yaml, "/p/pipeline.yaml", PipelineYamlTests.Catalog))), Architectures.Get(ArchitectureKey.ResidualBind));
        var fast = Minimal.Replace("clip-binary", "clip-binary-fast");
        var spelledOut = Minimal.Replace("    preset: clip-binary\n", """
                architecture: residualbind
                encoding: { length: 101 }
                training: { optimizer: adam, learning_rate: 0.001, batch_size: 100, epochs: 8, early_stopping: 2, lr_decay_factor: 0.3, lr_decay_patience: 1, loss: bce, monitor: auroc, weight_average: 0.998 }

            """);

        Assert.Equal(Hash(spelledOut), Hash(fast));
        Assert.NotEqual(Hash(spelledOut.Replace("epochs: 8", "epochs: 4")), Hash(fast));
    }

    [Fact]
    public void An_unknown_preset_is_named_with_the_nearest_known_one()
    {
        var e = Fails(Minimal.Replace("preset: clip-binary", "preset: clip-binray"));

        Assert.Equal("models.m.preset", e.Key);
        Assert.Contains("unknown preset 'clip-binray'", e.Message);
        Assert.Contains("did you mean 'clip-binary'", e.Message);
    }

    [Fact]
    public void A_preset_for_binary_data_refuses_a_regression_data_set()
    {
        var e = Fails(Minimal.Replace("    format: fasta", "    format: rnacompete"));

        Assert.Equal("models.m.preset", e.Key);
        Assert.Contains("preset 'clip-binary' is for binary data; data set 'clip' is regression", e.Message);
    }

    [Fact]
    public void Another_architecture_than_the_presets_is_refused_and_the_same_one_is_accepted()
    {
        var e = Fails(Minimal.Replace("    preset: clip-binary", "    preset: clip-binary-fast\n    architecture: ideeps"));
        Assert.Equal("models.m.architecture", e.Key);
        Assert.Contains("preset 'clip-binary-fast' is a residualbind recipe", e.Message);

        Assert.Equal("residualbind", Load(Minimal.Replace("    preset: clip-binary", "    preset: clip-binary-fast\n    architecture: residualbind")).Architecture);
    }

    [Fact]
    public void Without_a_preset_architecture_and_encoding_stay_required()
    {
        var e = Fails(Minimal.Replace("    preset: clip-binary\n", ""));
        Assert.Equal("models.m.architecture", e.Key);
        Assert.Contains("or a 'preset' (clip-binary, clip-binary-lite, clip-binary-fast)", e.Message);

        e = Fails(Minimal.Replace("    preset: clip-binary\n", "    architecture: residualbind\n"));
        Assert.Equal("models.m.encoding", e.Key);
    }
}
