using System.Text.Json;
using RbpPipeline.Contracts.Manifests;
using RbpPipeline.Trainer.Adaptation;
using RbpPipeline.Trainer.Checkpoints;
using RbpPipeline.Trainer.Pipeline;
using RbpPipeline.Trainer.Synthetic;
using RbpPipeline.Trainer.Tests.Training;

namespace RbpPipeline.Trainer.Tests.Adaptation;

/// <summary>An RBP-ADDA entry through the pipeline's stages: two checkpoints, resuming, skipping, the HNRNPC fixture.</summary>
[Collection(TorchCollection.Name)]
public sealed class RbpAddaPipelineTests(ITestOutputHelper output)
{
    // Tiny stage lengths: every stage runs for real in a few seconds.
    private const string Yaml = """
        version: 1
        seed: 3
        data_root: data
        stages: [prepare, train, evaluate]
        datasets:
          in-vitro:
            format: rnacompete
            train: domain-shift/in-vitro_train.txt.gz
            test: domain-shift/in-vitro_test.txt.gz
          in-vivo:
            format: rnacompete
            train: domain-shift/in-vivo_train.txt.gz
            test: domain-shift/in-vivo_test.txt.gz
        models:
          adda:
            architecture: rbpadda
            source: in-vitro
            target: in-vivo
            adaptation:
              source_epochs: 3
              adversarial_iterations: 16
              discriminator_warmup: 4
              fine_tune_iterations: 8
              probe_iterations: 8
              batch_size: 64
            training:
              augmentation: { operator: swap }
        """;

    /// <summary>The synthetic pair as `rbp synth` writes it (a small scale), and a pipeline file beside it.</summary>
    private sealed class Workspace : IDisposable
    {
        public readonly TempFolder Folder = new("rbpadda-pipeline");

        public Workspace(string yaml = Yaml)
        {
            DefaultDataWriter.Write(Folder.File("data"), DefaultDataSets.Generate(seed: 2, scale: 0.06), seed: 2);
            File.WriteAllText(Folder.File("pipeline.yaml"), yaml);
        }

        public string Out(string name = "runs") => Folder.File(name);

        public void Dispose() => Folder.Dispose();
    }

    private IReadOnlyList<StageOutcome> RunPipeline(string pipelineFile, string outputRoot, TextWriter? log = null, CancellationToken? ct = null,
        IReadOnlyList<string>? only = null, string? dataRoot = null)
    {
        log ??= new StringWriter();
        var config = PipelineLoader.Load(pipelineFile, ArchitectureCatalog.Default);
        var outcomes = new PipelineRunner(ArchitectureCatalog.Default, TrainerStages.All, log)
            .RunAsync(config, new PipelineRunOptions { OutputRoot = outputRoot, Threads = 1, Only = only, DataRoot = dataRoot },
                ct ?? TestContext.Current.CancellationToken)
            .GetAwaiter().GetResult();
        output.WriteLine(log.ToString() ?? "");
        return outcomes;
    }

    private static Checkpoint Open(string outputRoot, string model) => Checkpoint.Open(Path.Combine(outputRoot, model, "checkpoint"));

    private static double Metric(Checkpoint c, string split, string name) => c.Manifest.Metrics.Single(m => m.Split == split && m.Name == name).Value;

    [Fact]
    public void The_train_stage_writes_both_paths_with_every_stages_figures_and_evaluate_scores_each_on_its_own_domain()
    {
        using var w = new Workspace();
        var log = new StringWriter();

        var first = RunPipeline(w.Folder.File("pipeline.yaml"), w.Out(), log);

        Assert.Equal([("adda-source", "prepare"), ("adda-source", "train"), ("adda-source", "evaluate"),
                      ("adda-target", "prepare"), ("adda-target", "train"), ("adda-target", "evaluate")], first.Select(o => (o.Model, o.Stage)));
        Assert.All(first, o => Assert.Equal(StageStatus.Ran, o.Status));

        // One run of the three stages, its state in the entry's folder; the target model restored it.
        using (var state = RbpAddaStateFile.Load(Path.Combine(w.Out(), "adda", RbpAddaStateFile.FileName)))
        {
            Assert.Equal(3, state.Info.StagesDone);
            Assert.Equal(["pretrain", "adapt", "finetune"], state.Info.Stages.Select(s => s.Stage));
            var source = Open(w.Out(), "adda-source");
            var target = Open(w.Out(), "adda-target");
            foreach (var (checkpoint, name) in new[] { (source, "adda-source"), (target, "adda-target") })
            {
                Assert.Equal(name, checkpoint.Manifest.Name);
                Assert.Equal("rbpadda", checkpoint.Manifest.Architecture.Name);
                Assert.Equal(41, checkpoint.Manifest.Encoding.Length);
                foreach (var s in state.Info.Stages)
                {
                    Assert.Equal(s.SourcePearson, Metric(checkpoint, "in-vitro-test", $"pearson/{s.Stage}"));
                    Assert.Equal(s.TargetPearson, Metric(checkpoint, "in-vivo-test", $"pearson/{s.Stage}"));
                }
                Assert.Contains(checkpoint.Manifest.Metrics, m => m is { Split: "adaptation", Name: "discriminator_accuracy/after" });
            }
            Assert.Equal(state.Info.Stages[^1].SourcePearson, Metric(source, "test", "pearson"));
            Assert.Equal(state.Info.Stages[^1].TargetPearson, Metric(target, "test", "pearson"));
            // Different encoders (Mt was adapted) and each domain's own label scaling.
            Assert.NotEqual(source.Manifest.Files[Checkpoint.WeightsFile].Sha256, target.Manifest.Files[Checkpoint.WeightsFile].Sha256);
            Assert.NotEqual(source.Manifest.Tasks[0].LabelTransform, target.Manifest.Tasks[0].LabelTransform);
            Assert.Equal(2, source.Manifest.Provenance.DataSha256.Count(p => p.Key.Contains("in-vitro", StringComparison.Ordinal)));
            Assert.Equal(2, source.Manifest.Provenance.DataSha256.Count(p => p.Key.Contains("in-vivo", StringComparison.Ordinal)));

            // evaluate reopens each checkpoint and scores its own domain's held-out part (in vivo: the fragments).
            foreach (var (model, expected) in new[] { ("adda-source", state.Info.Stages[^1].SourcePearson), ("adda-target", state.Info.Stages[^1].TargetPearson) })
            {
                using var evaluation = JsonDocument.Parse(File.ReadAllText(Path.Combine(w.Out(), model, EvaluateStage.OutputFile)));
                var test = evaluation.RootElement.GetProperty("splits").GetProperty("test");
                Assert.Equal(expected, test.GetProperty("summary").GetProperty("pearson").GetDouble(), 4);
            }
        }
        var text = log.ToString();
        Assert.Contains("[adda-source] rbp-adda stage 1 (source pre-training): Pearson source (in-vitro)", text);
        Assert.Contains("[adda-source] rbp-adda stage 2 (adaptation): Pearson source (in-vitro)", text);
        Assert.Contains("[adda-source] rbp-adda stage 3 (fine-tuning): Pearson source (in-vitro)", text);
        Assert.Contains("[adda-target] rbp-adda: ", text);
        Assert.Contains("holds a finished run; restoring its result", text);
        Assert.Contains("source path Ms + T (in-vitro), trained", first.Single(o => o is { Model: "adda-source", Stage: "train" }).Summary);
        Assert.Contains("target path Mt + T (in-vivo), restored from the finished run", first.Single(o => o is { Model: "adda-target", Stage: "train" }).Summary);
        using (var prepared = JsonDocument.Parse(File.ReadAllText(Path.Combine(w.Out(), "adda-target", PrepareStage.OutputFile))))
        {
            Assert.Equal("in-vivo", prepared.RootElement.GetProperty("domain").GetString());
            // 50–101 nt peaks become 2–3 fragments each.
            Assert.True(prepared.RootElement.GetProperty("splits").GetProperty("train").GetProperty("records").GetInt32() > DefaultDataSets.Generate(2, 0.06).InVivoTrain.Examples.Count);
        }

        // Nothing changed: every stage of both models is skipped.
        var second = RunPipeline(w.Folder.File("pipeline.yaml"), w.Out());
        Assert.All(second, o => Assert.Equal(StageStatus.Skipped, o.Status));

        // A changed adaptation setting retrains both (the state of other options is not resumed).
        File.WriteAllText(w.Folder.File("pipeline.yaml"), Yaml.Replace("fine_tune_iterations: 8", "fine_tune_iterations: 6"));
        var changed = RunPipeline(w.Folder.File("pipeline.yaml"), w.Out(), log = new StringWriter());
        Assert.All(changed.Where(o => o.Stage == "train"), o => Assert.Equal(StageStatus.Ran, o.Status));
        Assert.Contains("belongs to other options or data; starting afresh", log.ToString());
        Assert.Contains(", trained;", changed.Single(o => o is { Model: "adda-source", Stage: "train" }).Summary);
    }

    [Fact]
    public void A_run_killed_in_stage_2_resumes_after_stage_1_and_ends_bit_identical_to_an_uninterrupted_run()
    {
        using var w = new Workspace();
        RunPipeline(w.Folder.File("pipeline.yaml"), w.Out("whole"), only: ["adda-target"]);

        // Interrupted in the middle of stage 2, as a kill would be: the state on disk is stage 1's.
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var killer = new CancelOnLine("rbp-adda stage 2: iteration", cts);
        Assert.ThrowsAny<OperationCanceledException>(() => RunPipeline(w.Folder.File("pipeline.yaml"), w.Out("killed"), killer, cts.Token, only: ["adda-target"]));
        using (var state = RbpAddaStateFile.Load(Path.Combine(w.Out("killed"), "adda", RbpAddaStateFile.FileName)))
            Assert.Equal(1, state.Info.StagesDone);
        Assert.False(File.Exists(Path.Combine(w.Out("killed"), "adda-target", "checkpoint", ModelManifest.FileName)));

        var log = new StringWriter();
        var resumed = RunPipeline(w.Folder.File("pipeline.yaml"), w.Out("killed"), log, only: ["adda-target"]);

        Assert.Contains("rbp-adda: resuming after stage 1", log.ToString());
        Assert.Contains("resumed after stage 1", resumed.Single(o => o.Stage == "train").Summary);
        var whole = Open(w.Out("whole"), "adda-target");
        var again = Open(w.Out("killed"), "adda-target");
        Assert.Equal(whole.Manifest.Files[Checkpoint.WeightsFile].Sha256, again.Manifest.Files[Checkpoint.WeightsFile].Sha256);
        Assert.Equal(whole.Manifest.Metrics, again.Manifest.Metrics);
        Assert.Equal(whole.Manifest.Tasks, again.Manifest.Tasks);
    }

    [Fact]
    public void Only_the_entry_runs_both_of_its_models()
    {
        using var w = new Workspace(Yaml + """

              other:
                architecture: rbpadda
                source: in-vivo
                target: in-vitro
                adaptation: { source_epochs: 1 }
            """);

        var outcomes = RunPipeline(w.Folder.File("pipeline.yaml"), w.Out(), only: ["adda"]);

        Assert.Equal(["adda-source", "adda-target"], outcomes.Select(o => o.Model).Distinct());
        Assert.False(Directory.Exists(Path.Combine(w.Out(), "other-source")));
    }

    [Fact]
    public void Hnrnpc_fixture_smoke_run_through_the_pipeline()
    {
        var folder = RepoPaths.RequireSharedData("rbp-adda");
        using var temp = new TempFolder("rbpadda-hnrnpc");
        // The example pipeline, with smoke-sized stages.
        var yaml = File.ReadAllText(Path.Combine(RepoPaths.Root, "examples", "rbp-adda-hnrnpc.yaml"))
            .Replace("stages: [prepare, train, evaluate, export, publish]", "stages: [prepare, train, evaluate]")
            .Replace("source_epochs: 20", "source_epochs: 8")
            .Replace("adversarial_iterations: 200", "adversarial_iterations: 40")
            .Replace("fine_tune_iterations: 100", "fine_tune_iterations: 20\n      probe_iterations: 40");
        File.WriteAllText(temp.File("pipeline.yaml"), yaml);

        var outcomes = RunPipeline(temp.File("pipeline.yaml"), temp.File("runs"), dataRoot: folder);

        Assert.Equal(6, outcomes.Count);
        foreach (var model in new[] { "hnrnpc-adda-source", "hnrnpc-adda-target" })
        {
            var checkpoint = Open(temp.File("runs"), model);
            var stages = checkpoint.Manifest.Metrics.Where(m => m.Name.StartsWith("pearson/", StringComparison.Ordinal)).ToList();
            Assert.Equal(6, stages.Count); // 3 stages × 2 domains
            Assert.All(stages, m => Assert.True(double.IsFinite(m.Value), m.Name));
            Assert.Contains("train_HNRNPC.target.txt", checkpoint.Manifest.Provenance.DataSha256.Keys);
            using var evaluation = JsonDocument.Parse(File.ReadAllText(Path.Combine(temp.File("runs"), model, EvaluateStage.OutputFile)));
            Assert.True(double.IsFinite(evaluation.RootElement.GetProperty("splits").GetProperty("test").GetProperty("summary").GetProperty("pearson").GetDouble()));
        }
    }

    /// <summary>A log that cancels a token when a line with the given text is written (a kill at a known point).</summary>
    private sealed class CancelOnLine(string text, CancellationTokenSource cts) : StringWriter
    {
        public override void WriteLine(string? value)
        {
            base.WriteLine(value);
            if (value is not null && value.Contains(text, StringComparison.Ordinal)) cts.Cancel();
        }
    }
}
