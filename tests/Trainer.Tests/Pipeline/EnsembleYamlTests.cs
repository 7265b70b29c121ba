using RbpPipeline.Trainer.Pipeline;
using RbpPipeline.Trainer.Pipeline.Executors;

namespace RbpPipeline.Trainer.Tests.Pipeline;

/// <summary>
/// <c>ensemble:</c> entries: members read as model entries of their own (the entry's keys with the member's laid
/// over them), planned before the ensemble model, with their own seeds; errors name the member's line and key; on a
/// cluster the ensembles wait for their members in the follow-up job.
/// </summary>
public sealed class EnsembleYamlTests
{
    private const string Yaml = """
        version: 1
        seed: 10
        stages: [prepare, train, evaluate, export]
        datasets:
          clip:
            format: fasta
            each: [PUM2, QKI]
            train: "{rbp}/train.fa"
            test: "{rbp}/test.fa"
        models:
          rb:
            architecture: residualbind
            dataset: clip
            hyperparameters: { filters: 8, dense: 16 }
            encoding: { length: 101 }
            training: { epochs: 3, batch_size: 64, learning_rate: 0.003 }
            ensemble:
              seeds: 2
              members:
                wide: { hyperparameters: { filters: 32 }, seed: 100 }
                ideeps: { architecture: ideeps, hyperparameters: { lstm_hidden: 8 }, training: { learning_rate: 0.001 }, seeds: 2 }
        """;

    private static PipelineConfig Config(string yaml = Yaml) => PipelineLoader.Parse(yaml, "/p/pipeline.yaml", PipelineYamlTests.Catalog);

    private static PipelineConfigException Fails(string yaml) => Assert.Throws<PipelineConfigException>(() => Config(yaml));

    [Fact]
    public void Members_are_planned_before_their_ensemble_with_their_own_seeds_and_settings()
    {
        var plans = PipelinePlanner.Plan(Config(), "/data");

        string[] members = ["residualbind-1", "residualbind-2", "wide", "ideeps-1", "ideeps-2"];
        Assert.Equal([.. members.Select(m => $"rb-PUM2.{m}"), "rb-PUM2", .. members.Select(m => $"rb-QKI.{m}"), "rb-QKI"], plans.Select(p => p.Name));
        var pum2 = plans.Take(6).ToList();
        Assert.Equal([10UL, 11UL, 100UL, 10UL, 11UL, 10UL], pum2.Select(p => p.Seed));
        Assert.Equal(["residualbind", "residualbind", "residualbind", "ideeps", "ideeps", "ensemble"], pum2.Select(p => p.Model.Architecture));
        Assert.All(pum2, p => Assert.Equal("rb", p.Model.Name));
        Assert.All(pum2.Take(5), p => Assert.Equal("rb-PUM2", p.MemberOf));
        Assert.Equal([.. members.Select(m => $"rb-PUM2.{m}")], pum2[5].Ensemble!.Members);

        // Hyperparameters: merged key by key for the entry's architecture, the member's own for another one.
        Assert.Equal(32, pum2[2].Model.Hyperparameters["filters"].GetInt32());
        Assert.Equal(16, pum2[2].Model.Hyperparameters["dense"].GetInt32());
        Assert.Equal(["lstm_hidden"], pum2[3].Model.Hyperparameters.Keys);
        // Training: merged key by key.
        Assert.Equal(0.001, pum2[3].Model.Training.LearningRate);
        Assert.Equal(3, pum2[3].Model.Training.Epochs);
        Assert.Equal(64, pum2[3].Model.Training.BatchSize);

        // Every member and the ensemble is a configuration of its own.
        Assert.Equal(6, pum2.Select(p => ModelData.ConfigHash(p, PipelineYamlTests.Catalog.Get(p.Model.Architecture))).Distinct().Count());
        // Members are trained and evaluated; only the ensemble is exported.
        Assert.Equal(["prepare", "train", "evaluate"], EnsemblePlan.StagesOf(pum2[0], Config().Stages));
        Assert.Equal(Config().Stages, EnsemblePlan.StagesOf(pum2[5], Config().Stages));
    }

    [Fact]
    public void Members_share_their_ensembles_train_validation_split_whatever_their_own_seed()
    {
        var pum2 = PipelinePlanner.Plan(Config(), "/data").Take(6).ToList();

        // Seeds 10, 11, 100, 10, 11 for the members, but one split (the ensemble's, seed 10) for all: otherwise the
        // ensemble's validation records would be training records of the members with other seeds.
        Assert.Equal([11UL, 100UL], pum2.Where(p => p.Seed != 10UL).Select(p => p.Seed).Distinct());
        Assert.All(pum2, p => Assert.Equal(10UL, p.SplitSeed));
        // A model outside an ensemble splits by its own seed.
        var single = PipelinePlanner.Plan(Config(Yaml[..Yaml.IndexOf("    ensemble:", StringComparison.Ordinal)]), "/data");
        Assert.All(single, p => Assert.Equal(p.Seed, p.SplitSeed));
    }

    [Fact]
    public void A_changed_member_setting_changes_the_ensembles_configuration_hash()
    {
        string Hash(string yaml) => PipelinePlanner.Plan(Config(yaml), "/data").Where(p => p.Ensemble is not null)
            .Select(p => ModelData.ConfigHash(p, PipelineYamlTests.Catalog.Get(p.Model.Architecture))).First();
        Assert.NotEqual(Hash(Yaml), Hash(Yaml.Replace("lstm_hidden: 8", "lstm_hidden: 9")));
        Assert.Equal(Hash(Yaml), Hash(Yaml.Replace("seeds: 2\n", "seeds: 2 # two\n")));
    }

    [Theory]
    [InlineData("ensemble: {}", "models.rb.ensemble", "an ensemble needs 'seeds'")]
    [InlineData("ensemble: { seedz: 2 }", "models.rb.ensemble.seedz", "did you mean 'seeds'")]
    [InlineData("ensemble: { seeds: 0 }", "models.rb.ensemble.seeds", "")]
    [InlineData("ensemble: { members: { x: { architecture: ideeps, hyperparameters: { filterz: 3 } } } }", "models.rb.ensemble.members.x.hyperparameters.filterz", "did you mean 'filters'")]
    [InlineData("ensemble: { members: { x: { architecture: ideps } } }", "models.rb.ensemble.members.x.architecture", "did you mean 'ideeps'")]
    [InlineData("ensemble: { members: { x: { dataset: other } } }", "models.rb.ensemble.members.x.dataset", "allowed here: architecture, hyperparameters, training, seed, seeds")]
    [InlineData("ensemble: { members: { x: { training: { epochs: ten } } } }", "models.rb.ensemble.members.x.training.epochs", "expected an integer")]
    [InlineData("ensemble: { seeds: 1, members: { residualbind: {} } }", "models.rb.ensemble.members", "two members would both be called 'residualbind'")]
    [InlineData("ensemble: { members: { x: { architecture: ensemble } } }", "models.rb.ensemble.members.x.architecture", "an ensemble is declared with an 'ensemble:' block")]
    public void Bad_ensembles_name_the_line_and_key(string line, string key, string problem)
    {
        var yaml = """
            version: 1
            stages: [prepare, train]
            datasets:
              clip: { format: fasta, train: clip/train.fa, test: clip/test.fa }
            models:
              rb:
                architecture: residualbind
                dataset: clip
                encoding: { length: 101 }

            """ + "    " + line + "\n";
        var e = Fails(yaml);
        Assert.Equal(key, e.Key);
        Assert.Contains(problem, e.Message);
        Assert.Equal(10, e.Line);
    }

    [Fact]
    public void On_a_cluster_members_are_array_tasks_and_ensembles_run_in_the_follow_up_job()
    {
        var config = Config();
        var plan = FanOutPlan.Of(config, PipelinePlanner.Plan(config, "/data"));

        Assert.Equal(10, plan.Tasks.Count());
        Assert.DoesNotContain(plan.Tasks, t => t.Only is "rb-PUM2" or "rb-QKI");
        Assert.Equal(["rb-PUM2", "rb-QKI"], plan.FollowUpModels);
        var run = new ExecutorRun { Rbp = ["rbp"], PipelineFile = "/p/pipeline.yaml", OutputRoot = "/runs" };
        var script = SlurmScripts.FollowUpScript(plan, run, "rbp-pipeline-all");
        Assert.Contains("exec rbp train /p/pipeline.yaml --out /runs --only rb-PUM2 --only rb-QKI\n", script);
    }
}
