using RbpPipeline.Trainer.Networks;
using RbpPipeline.Trainer.Pipeline;
using RbpPipeline.Trainer.Tests.Training;

namespace RbpPipeline.Trainer.Tests.Pipeline;

public sealed class PipelineYamlTests
{
    internal static readonly ArchitectureCatalog Catalog = new([new TinyCnnArchitecture(), .. Architectures.All]);

    internal const string Valid = """
        version: 1
        stages: [prepare, train, evaluate]
        datasets:
          clip:
            format: fasta
            train: clip/train.fa
            test: clip/test.fa
        models:
          tiny:
            architecture: tiny-cnn
            dataset: clip
            encoding: { length: 101 }
            training:
              epochs: 2
        """;

    private static PipelineConfigException Fails(string yaml) =>
        Assert.Throws<PipelineConfigException>(() => PipelineLoader.Parse(yaml, "/p/pipeline.yaml", Catalog));

    [Fact]
    public void A_valid_file_loads_with_defaults_filled_in()
    {
        var config = PipelineLoader.Parse(Valid, "/p/pipeline.yaml", Catalog);

        Assert.Equal(["prepare", "train", "evaluate"], config.Stages);
        var model = Assert.Single(config.Models);
        Assert.Equal(2, model.Training.Epochs);
        Assert.Null(model.Training.LearningRate);
        Assert.Equal(101, model.Encoding.Length);
        Assert.Equal(Contracts.Manifests.TaskType.Binary, config.Datasets["clip"].TaskType);
    }

    [Fact]
    public void Training_device_is_read_and_kept_out_of_the_configuration_hash_and_a_bad_one_is_named()
    {
        Assert.Null(Assert.Single(PipelineLoader.Parse(Valid, "/p/pipeline.yaml", Catalog).Models).Training.Device);
        var cuda = Assert.Single(PipelineLoader.Parse(Valid.Replace("      epochs: 2", "      epochs: 2\n      device: cuda:1"), "/p/pipeline.yaml", Catalog).Models);
        Assert.Equal("cuda:1", cuda.Training.Device);
        Assert.DoesNotContain("cuda", System.Text.Json.JsonSerializer.Serialize(cuda.Training), StringComparison.Ordinal);

        var e = Fails(Valid.Replace("      epochs: 2", "      epochs: 2\n      device: gpu"));
        Assert.Equal("models.tiny.training.device", e.Key);
        Assert.Contains("'gpu' is not a device: use auto, cpu, cuda or cuda:N", e.Message);
    }

    [Fact]
    public void An_unknown_key_names_line_column_and_key_and_suggests_the_nearest()
    {
        var e = Fails(Valid.Replace("      epochs: 2", "      epoch: 2"));

        Assert.Equal(14, e.Line);
        Assert.Equal(7, e.Column);
        Assert.Equal("models.tiny.training.epoch", e.Key);
        Assert.StartsWith("/p/pipeline.yaml:14:7: models.tiny.training.epoch: unknown key 'epoch'; did you mean 'epochs'?", e.Message);
    }

    [Fact]
    public void A_wrong_type_names_the_value_and_what_was_expected()
    {
        var e = Fails(Valid.Replace("epochs: 2", "epochs: ten"));

        Assert.Equal((14, 15), (e.Line, e.Column));
        Assert.Contains("models.tiny.training.epochs: expected an integer, found 'ten'", e.Message);

        var list = Fails(Valid.Replace("encoding: { length: 101 }", "encoding: [101]"));
        Assert.Equal((12, 15), (list.Line, list.Column));
        Assert.Contains("models.tiny.encoding: expected a mapping", list.Message);
    }

    [Fact]
    public void A_missing_required_key_names_the_mapping_that_lacks_it()
    {
        var e = Fails(Valid.Replace("    dataset: clip\n", ""));

        Assert.Equal((10, 5), (e.Line, e.Column)); // the start of models.tiny
        Assert.Contains("models.tiny.dataset: missing required key 'dataset'", e.Message);
    }

    [Fact]
    public void References_architectures_hyperparameters_and_stages_are_checked_with_suggestions()
    {
        var dataset = Fails(Valid.Replace("dataset: clip", "dataset: clp"));
        Assert.Contains("no data set named 'clp'; did you mean 'clip'?", dataset.Message);
        Assert.Equal((11, 14), (dataset.Line, dataset.Column));

        var arch = Fails(Valid.Replace("architecture: tiny-cnn", "architecture: residualbnd"));
        Assert.Contains("unknown architecture 'residualbnd'; did you mean 'residualbind'?", arch.Message);

        var hp = Fails(Valid.Replace("encoding: { length: 101 }", "encoding: { length: 101 }\n    hyperparameters: { filter: 8 }"));
        Assert.Contains("models.tiny.hyperparameters.filter: unknown key 'filter'; did you mean 'filters'?", hp.Message);

        var hpType = Fails(Valid.Replace("encoding: { length: 101 }", "encoding: { length: 101 }\n    hyperparameters: { filters: many }"));
        Assert.Contains("models.tiny.hyperparameters.filters", hpType.Message);
        Assert.Equal((13, 33), (hpType.Line, hpType.Column));

        var stage = Fails(Valid.Replace("evaluate]", "evalute]"));
        Assert.Contains("unknown stage 'evalute'; did you mean 'evaluate'?", stage.Message);
    }

    [Fact]
    public void Loss_and_monitor_must_fit_the_task_type()
    {
        var e = Fails(Valid.Replace("epochs: 2", "epochs: 2\n      loss: mse"));
        Assert.Contains("loss 'mse' does not fit data set 'clip'", e.Message);

        var m = Fails(Valid.Replace("epochs: 2", "epochs: 2\n      monitor: pearson"));
        Assert.Contains("monitor 'pearson' does not apply to binary tasks", m.Message);
    }

    [Fact]
    public void Yaml_syntax_errors_and_duplicate_keys_are_located()
    {
        var syntax = Fails("version: 1\nstages: [train\n");
        Assert.True(syntax.Line >= 2, syntax.Message);
        Assert.Contains("not valid YAML", syntax.Message);

        var duplicate = Fails(Valid.Replace("      epochs: 2", "      epochs: 2\n      epochs: 3"));
        Assert.Contains("not valid YAML", duplicate.Message);
    }

    [Fact]
    public void The_repository_pipeline_yaml_is_valid_and_plans_three_models()
    {
        var config = PipelineLoader.Load(Path.Combine(RepoPaths.Root, "pipeline.yaml"), ArchitectureCatalog.Default);
        var plans = PipelinePlanner.Plan(config);

        Assert.Equal(PipelineLoader.KnownStages, config.Stages);
        Assert.Equal(["residualbind-clip", "residualbind-rnacompete", "multiresbind-multitask"], plans.Select(p => p.Name));
        Assert.Equal(Path.Combine(RepoPaths.Root, "runs", "demo", "data", "clip-like", "train.fa.gz"), plans[0].Dataset.Train);
        Assert.Equal(["PUM2", "QKI", "HNRNPC"], plans[2].Dataset.TaskNames);
    }

    [Fact]
    public void A_fan_out_entry_makes_one_model_per_name_from_a_list_or_a_glob()
    {
        using var folder = new TempFolder();
        foreach (var rbp in new[] { "23_PARCLIP_PUM2_hg19", "24_PARCLIP_QKI_hg19", "17_ICLIP_HNRNPC_hg19" })
        {
            Directory.CreateDirectory(Path.Combine(folder.Path, "clip", rbp));
            File.WriteAllText(Path.Combine(folder.Path, "clip", rbp, "train.fa"), "");
        }
        Directory.CreateDirectory(Path.Combine(folder.Path, "clip", "empty")); // no train file: not a match
        var yaml = Valid.Replace("train: clip/train.fa", "train: clip/{rbp}/train.fa").Replace("test: clip/test.fa", "test: clip/{rbp}/test.fa");

        var globbed = PipelineLoader.Parse(yaml.Replace("format: fasta", "format: fasta\n    each: \"*PARCLIP*\""), Path.Combine(folder.Path, "p.yaml"), Catalog);
        var listed = PipelineLoader.Parse(yaml.Replace("format: fasta", "format: fasta\n    each: [a, b]"), Path.Combine(folder.Path, "p.yaml"), Catalog);
        var all = PipelineLoader.Parse(yaml.Replace("format: fasta", "format: fasta\n    each: \"*\""), Path.Combine(folder.Path, "p.yaml"), Catalog);

        Assert.Equal(["tiny-23_PARCLIP_PUM2_hg19", "tiny-24_PARCLIP_QKI_hg19"], PipelinePlanner.Plan(globbed).Select(p => p.Name));
        Assert.Equal(["tiny-a", "tiny-b"], PipelinePlanner.Plan(listed).Select(p => p.Name));
        Assert.Equal(3, PipelinePlanner.Plan(all).Count);
        var pum2 = PipelinePlanner.Plan(globbed)[0].Dataset;
        Assert.Equal(Path.Combine(folder.Path, "clip", "23_PARCLIP_PUM2_hg19", "test.fa"), pum2.Test);
        Assert.Equal(["23_PARCLIP_PUM2_hg19"], pum2.TaskNames);

        var missingPlaceholder = Fails(Valid.Replace("format: fasta", "format: fasta\n    each: [a]"));
        Assert.Contains("every path must contain {rbp}", missingPlaceholder.Message);
    }
}
