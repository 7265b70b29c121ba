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
    public void An_entry_naming_only_the_preset_and_the_data_set_gets_the_presets_architecture_encoding_and_training()
    {
        var model = Load(Minimal);
        var preset = ModelPresets.ClipBinary;

        Assert.Equal("residualbind", model.Architecture);
        Assert.Equal(preset.Encoding, model.Encoding);
        Assert.Equal(preset.Training, model.Training);
        Assert.Equal(preset.Hyperparameters.Keys.Order(), model.Hyperparameters.Keys.Order());

        // What the train stage resolves: every training value is the preset's, not ResidualBind's published defaults.
        var plan = Assert.Single(PipelinePlanner.Plan(PipelineLoader.Parse(Minimal, "/p/pipeline.yaml", PipelineYamlTests.Catalog)));
        var options = ModelData.Options(plan, Architectures.Get(ArchitectureKey.ResidualBind));
        Assert.Equal(preset.Training.Epochs, options.Epochs);
        Assert.Equal(preset.Training.EarlyStopping, options.EarlyStoppingPatience);
        Assert.Equal(preset.Training.LrDecayFactor, options.LrDecayFactor);
        Assert.Equal(preset.Training.LrDecayPatience, options.LrDecayPatience);
        Assert.Equal(LossKind.Bce, options.Loss);
        Assert.Equal("auroc", options.Monitor);
    }

    [Fact]
    public void Keys_the_entry_writes_override_the_preset_one_by_one()
    {
        var model = Load(Minimal.Replace("    dataset: clip", """
                dataset: clip
                hyperparameters: { filters: 32 }
                encoding: { policy: left }
                training: { epochs: 2, weight_decay: 0.01 }
            """));
        var preset = ModelPresets.ClipBinary;

        Assert.Equal(32, model.Hyperparameters["filters"].GetInt32());
        Assert.Equal(preset.Encoding with { Policy = Contracts.SequenceEncoding.LengthPolicy.Left }, model.Encoding);
        Assert.Equal(preset.Training with { Epochs = 2, WeightDecay = 0.01 }, model.Training);
    }

    [Fact]
    public void The_fast_level_differs_from_the_full_preset_only_in_its_epochs()
    {
        var fast = Load(Minimal.Replace("clip-binary", "clip-binary-fast"));

        Assert.Equal(ModelPresets.ClipBinary.Training with { Epochs = ModelPresets.ClipBinaryFast.Training.Epochs }, fast.Training);
        Assert.True(ModelPresets.ClipBinaryFast.Training.Epochs < ModelPresets.ClipBinary.Training.Epochs);
        Assert.Equal(Load(Minimal).Architecture, fast.Architecture);
    }

    [Fact]
    public void A_preset_changes_the_configuration_hash_with_its_values()
    {
        var withPreset = Assert.Single(PipelinePlanner.Plan(PipelineLoader.Parse(Minimal, "/p/pipeline.yaml", PipelineYamlTests.Catalog)));
        var fast = Assert.Single(PipelinePlanner.Plan(PipelineLoader.Parse(Minimal.Replace("clip-binary", "clip-binary-fast"), "/p/pipeline.yaml", PipelineYamlTests.Catalog)));
        var architecture = Architectures.Get(ArchitectureKey.ResidualBind);

        Assert.NotEqual(ModelData.ConfigHash(withPreset, architecture), ModelData.ConfigHash(fast, architecture));
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
        var e = Fails(Minimal.Replace("    preset: clip-binary", "    preset: clip-binary\n    architecture: ideeps"));
        Assert.Equal("models.m.architecture", e.Key);
        Assert.Contains("preset 'clip-binary' is a residualbind recipe", e.Message);

        Assert.Equal("residualbind", Load(Minimal.Replace("    preset: clip-binary", "    preset: clip-binary\n    architecture: residualbind")).Architecture);
    }

    [Fact]
    public void Without_a_preset_architecture_and_encoding_stay_required()
    {
        var e = Fails(Minimal.Replace("    preset: clip-binary\n", ""));
        Assert.Equal("models.m.architecture", e.Key);
        Assert.Contains("or a 'preset' (clip-binary, clip-binary-fast)", e.Message);

        e = Fails(Minimal.Replace("    preset: clip-binary\n", "    architecture: residualbind\n"));
        Assert.Equal("models.m.encoding", e.Key);
    }
}
