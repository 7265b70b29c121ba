using RbpPipeline.Trainer.Checkpoints;
using RbpPipeline.Trainer.Data;
using RbpPipeline.Trainer.Pipeline;
using RbpPipeline.Trainer.Synthetic;
using RbpPipeline.Trainer.Tests.Training;

namespace RbpPipeline.Trainer.Tests.Pipeline;

[Collection(TorchCollection.Name)]
public sealed class StageRunnerTests
{
    private const string Yaml = """
        version: 1
        seed: 5
        stages: [prepare, train, evaluate, export]
        datasets:
          clip:
            format: fasta
            train: clip/train.fa.gz
            test: clip/test.fa.gz
        models:
          tiny:
            architecture: tiny-cnn
            dataset: clip
            encoding: { length: 101 }
            training: { epochs: 2, batch_size: 32, learning_rate: 0.01 }
        """;

    private sealed class Workspace : IDisposable
    {
        public readonly TempFolder Folder = new();
        public readonly StringWriter Log = new();

        public Workspace(string yaml = Yaml)
        {
            WriteData(seed: 1);
            File.WriteAllText(PipelineFile, yaml);
        }

        public string PipelineFile => Folder.File("pipeline.yaml");

        public string Out => Folder.File("runs");

        public void WriteData(ulong seed)
        {
            var options = new ClipLikeOptions { Positives = 60 };
            DataWriters.WriteFasta(Folder.File("clip/train.fa.gz"), ClipLikeGenerator.Generate(options, DeterministicRandom.For(seed, "train")).Records);
            DataWriters.WriteFasta(Folder.File("clip/test.fa.gz"), ClipLikeGenerator.Generate(options with { Positives = 20 }, DeterministicRandom.For(seed, "test")).Records);
        }

        public IReadOnlyList<StageOutcome> Run(string[]? stages = null, IStageHandler? export = null) =>
            new PipelineRunner(PipelineYamlTests.Catalog, PipelineRunner.WithTrainerStages(export ?? new FakeExport()), Log)
                .RunAsync(PipelineLoader.Load(PipelineFile, PipelineYamlTests.Catalog),
                    new PipelineRunOptions { OutputRoot = Out, Stages = stages ?? ["prepare", "train", "evaluate"], Threads = 1 },
                    TestContext.Current.CancellationToken).GetAwaiter().GetResult();

        public void Dispose() => Folder.Dispose();
    }

    private sealed class FakeExport : IStageHandler
    {
        public string Name => "export";
        public string Fingerprint(StageContext context) => context.OpenCheckpoint().Manifest.Files[Checkpoint.WeightsFile].Sha256;
        public bool OutputsExist(StageContext context) => false;
        public Task<string> RunAsync(StageContext context, CancellationToken cancellationToken) => throw new StageUnavailableException("export", "the Exporter");
    }

    private static IEnumerable<(string, StageStatus)> Statuses(IReadOnlyList<StageOutcome> outcomes) => outcomes.Select(o => (o.Stage, o.Status));

    [Fact]
    public void Stages_write_a_checkpoint_and_an_evaluation_and_are_skipped_when_nothing_changed()
    {
        using var w = new Workspace();

        var first = w.Run();
        Assert.All(first, o => Assert.Equal(StageStatus.Ran, o.Status));
        var checkpoint = Checkpoint.Open(Path.Combine(w.Out, "tiny", "checkpoint"));
        Assert.Contains(checkpoint.Manifest.Metrics, m => m.Split == "test" && m.Name == "auroc");
        Assert.True(File.Exists(Path.Combine(w.Out, "tiny", EvaluateStage.OutputFile)));
        Assert.True(File.Exists(Path.Combine(w.Out, "tiny", PrepareStage.OutputFile)));

        var second = w.Run();
        Assert.All(second, o => Assert.Equal(StageStatus.Skipped, o.Status));
        Assert.Contains("[tiny] train: skipped — inputs and configuration unchanged", w.Log.ToString());
    }

    [Fact]
    public void Changed_data_or_configuration_runs_the_affected_stages_again()
    {
        using var w = new Workspace();
        w.Run();

        w.WriteData(seed: 2); // other records in the same files
        Assert.All(w.Run(), o => Assert.Equal(StageStatus.Ran, o.Status));

        File.WriteAllText(w.PipelineFile, Yaml.Replace("epochs: 2", "epochs: 1"));
        var changed = w.Run();
        Assert.Equal([("prepare", StageStatus.Ran), ("train", StageStatus.Ran), ("evaluate", StageStatus.Ran)], Statuses(changed));

        // Only the evaluation output gone: only evaluate runs again.
        File.Delete(Path.Combine(w.Out, "tiny", EvaluateStage.OutputFile));
        Assert.Equal([("prepare", StageStatus.Skipped), ("train", StageStatus.Skipped), ("evaluate", StageStatus.Ran)], Statuses(w.Run()));
    }

    [Fact]
    public void A_comment_or_reformatting_of_the_yaml_does_not_rerun_anything()
    {
        using var w = new Workspace();
        w.Run();

        File.WriteAllText(w.PipelineFile, "# a comment\n" + Yaml.Replace("{ epochs: 2, batch_size: 32, learning_rate: 0.01 }", "\n      epochs: 2\n      batch_size: 32\n      learning_rate: 0.01"));

        Assert.All(w.Run(), o => Assert.Equal(StageStatus.Skipped, o.Status));
    }

    [Fact]
    public void An_unavailable_stage_fails_with_its_reason_after_the_earlier_stages_ran()
    {
        using var w = new Workspace();

        var e = Assert.Throws<StageUnavailableException>(() => w.Run(["train", "export"]));

        Assert.Equal("the export stage cannot run: the Exporter is not built yet", e.Message);
        Assert.True(File.Exists(Path.Combine(w.Out, "tiny", "checkpoint", "manifest.json")));
    }

    [Fact]
    public void Evaluate_before_train_says_to_run_train_first()
    {
        using var w = new Workspace();

        var outcome = Assert.Single(w.Run(["evaluate"]));

        Assert.Equal(StageStatus.Failed, outcome.Status);
        Assert.True(outcome.Failure!.Refusal);
        Assert.Contains("run the train stage first", outcome.Failure.Message);
    }
}
