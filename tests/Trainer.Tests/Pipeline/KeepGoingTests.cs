using System.Text.Json;
using RbpPipeline.Trainer.Checkpoints;
using RbpPipeline.Trainer.Data;
using RbpPipeline.Trainer.Pipeline;
using RbpPipeline.Trainer.Synthetic;
using RbpPipeline.Trainer.Tests.Training;

namespace RbpPipeline.Trainer.Tests.Pipeline;

/// <summary>
/// A fan-out over three data sets of which one is broken: the other models are still trained (as make -k does),
/// the failure is one line naming model and stage, the report lists it, and --fail-fast stops at the first one.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class KeepGoingTests
{
    private const string Yaml = """
        version: 1
        seed: 5
        stages: [prepare, train, evaluate, export]
        datasets:
          clip:
            format: fasta
            each: "*"
            train: clip/{rbp}/train.fa.gz
            test: clip/{rbp}/test.fa.gz
        models:
          tiny:
            architecture: tiny-cnn
            dataset: clip
            encoding: { length: 101 }
            training: { epochs: 1, batch_size: 32, learning_rate: 0.01 }
        """;

    private sealed class Workspace : IDisposable
    {
        public readonly TempFolder Folder = new();
        public readonly StringWriter Log = new();

        /// <param name="broken">The data set whose training file has a header without a label.</param>
        public Workspace(string broken)
        {
            foreach (var name in new[] { "a", "b", "c" })
            {
                var options = new ClipLikeOptions { Positives = 40 };
                DataWriters.WriteFasta(Folder.File($"clip/{name}/train.fa.gz"), ClipLikeGenerator.Generate(options, DeterministicRandom.For(1, name)).Records);
                DataWriters.WriteFasta(Folder.File($"clip/{name}/test.fa.gz"), ClipLikeGenerator.Generate(options with { Positives = 15 }, DeterministicRandom.For(2, name)).Records);
            }
            File.WriteAllText(Folder.File($"clip/{broken}/train.fa.gz"), "> chr1,+,100,200\nACGUACGUAC\n");
            File.WriteAllText(Folder.File("pipeline.yaml"), Yaml);
        }

        public string Out => Folder.File("runs");

        public IReadOnlyList<StageOutcome> Run(bool failFast = false, string[]? stages = null, IStageHandler? export = null) =>
            new PipelineRunner(PipelineYamlTests.Catalog, PipelineRunner.WithTrainerStages(export ?? new NoExport()), Log)
                .RunAsync(PipelineLoader.Load(Folder.File("pipeline.yaml"), PipelineYamlTests.Catalog),
                    new PipelineRunOptions { OutputRoot = Out, Stages = stages ?? ["prepare", "train", "evaluate"], Threads = 1, FailFast = failFast },
                    TestContext.Current.CancellationToken).GetAwaiter().GetResult();

        public bool HasCheckpoint(string model) => File.Exists(Path.Combine(Out, model, "checkpoint", "manifest.json"));

        public JsonElement Report() => JsonDocument.Parse(File.ReadAllText(Path.Combine(Out, FailureReport.FileName))).RootElement;

        public string[] FailureLines() => [.. Log.ToString().Split('\n').Where(l => l.Contains("FAILED", StringComparison.Ordinal))];

        public void Dispose() => Folder.Dispose();
    }

    private sealed class NoExport : IStageHandler
    {
        public string Name => "export";
        public string Fingerprint(StageContext context) => "";
        public bool OutputsExist(StageContext context) => false;
        public Task<string> RunAsync(StageContext context, CancellationToken cancellationToken) => Task.FromResult("nothing");
    }

    /// <summary>An export stage with a bug that shows for one model only.</summary>
    private sealed class BuggyExport(string model) : IStageHandler
    {
        public string Name => "export";
        public string Fingerprint(StageContext context) => "";
        public bool OutputsExist(StageContext context) => false;
        public Task<string> RunAsync(StageContext context, CancellationToken cancellationToken) =>
            context.Plan.Name == model ? throw new InvalidOperationException("the exporter has a bug") : Task.FromResult("exported");
    }

    private static StageStatus[] Statuses(IReadOnlyList<StageOutcome> outcomes, string model) =>
        [.. outcomes.Where(o => o.Model == model).Select(o => o.Status)];

    [Fact]
    public void A_broken_data_set_fails_its_model_only_and_the_others_are_trained()
    {
        using var w = new Workspace(broken: "b");

        var outcomes = w.Run();

        Assert.Equal([StageStatus.Ran, StageStatus.Ran, StageStatus.Ran], Statuses(outcomes, "tiny-a"));
        Assert.Equal([StageStatus.Failed, StageStatus.NotAttempted, StageStatus.NotAttempted], Statuses(outcomes, "tiny-b"));
        Assert.Equal([StageStatus.Ran, StageStatus.Ran, StageStatus.Ran], Statuses(outcomes, "tiny-c"));
        Assert.True(w.HasCheckpoint("tiny-a") && w.HasCheckpoint("tiny-c"));
        Assert.False(w.HasCheckpoint("tiny-b"));
        // One line, naming the model, the stage and the file with its line; no stack trace.
        var line = Assert.Single(w.FailureLines());
        Assert.StartsWith("[tiny-b] prepare: FAILED — ", line);
        Assert.Contains("train.fa.gz", line);
        Assert.Contains("class:", line);
        Assert.DoesNotContain(" at ", w.Log.ToString());

        var report = w.Report();
        Assert.Equal(["tiny-a", "tiny-c"], report.GetProperty("succeeded").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["tiny-b"], report.GetProperty("failed").EnumerateArray().Select(e => e.GetString()));
        var failure = Assert.Single(report.GetProperty("failures").EnumerateArray());
        Assert.Equal("prepare", failure.GetProperty("stage").GetString());
        Assert.Equal("refused", failure.GetProperty("kind").GetString());
        Assert.Equal(nameof(DataFormatException), failure.GetProperty("errorType").GetString());
        Assert.Equal(JsonValueKind.Null, failure.GetProperty("detail").ValueKind);
    }

    [Fact]
    public void Fail_fast_stops_at_the_first_failure_and_attempts_no_later_model()
    {
        using var w = new Workspace(broken: "a");

        var outcomes = w.Run(failFast: true);

        Assert.Equal([StageStatus.Failed, StageStatus.NotAttempted, StageStatus.NotAttempted], Statuses(outcomes, "tiny-a"));
        Assert.All(outcomes.Where(o => o.Model != "tiny-a"), o => Assert.Equal(StageStatus.NotAttempted, o.Status));
        Assert.False(w.HasCheckpoint("tiny-b") || w.HasCheckpoint("tiny-c"));
        Assert.StartsWith("[tiny-a] prepare: FAILED — ", Assert.Single(w.FailureLines()));
        Assert.Empty(w.Report().GetProperty("succeeded").EnumerateArray());
        Assert.Equal(2 + 3 + 3, w.Report().GetProperty("notAttempted").GetArrayLength()); // a's train and evaluate, all of b and c
    }

    [Fact]
    public void An_unexpected_error_is_one_readable_line_with_the_stack_trace_in_the_report_which_a_clean_run_removes()
    {
        using var w = new Workspace(broken: "c");

        var outcomes = w.Run(stages: ["prepare", "export"], export: new BuggyExport("tiny-a"));

        Assert.Equal([StageStatus.Ran, StageStatus.Failed], Statuses(outcomes, "tiny-a"));
        Assert.Equal([StageStatus.Ran, StageStatus.Ran], Statuses(outcomes, "tiny-b"));
        Assert.Equal([StageStatus.Failed, StageStatus.NotAttempted], Statuses(outcomes, "tiny-c"));
        Assert.Contains("[tiny-a] export: FAILED — unexpected InvalidOperationException: the exporter has a bug", w.FailureLines());
        var failures = w.Report().GetProperty("failures").EnumerateArray().ToList();
        Assert.Equal(2, failures.Count);
        Assert.Equal("error", failures[0].GetProperty("kind").GetString());
        Assert.Contains(nameof(BuggyExport), failures[0].GetProperty("detail").GetString()); // the stack trace

        // The data fixed and the bug gone: the report of the failed run disappears.
        var options = new ClipLikeOptions { Positives = 40 };
        DataWriters.WriteFasta(w.Folder.File("clip/c/train.fa.gz"), ClipLikeGenerator.Generate(options, DeterministicRandom.For(1, "c")).Records);
        var second = w.Run(stages: ["prepare", "export"]);
        Assert.DoesNotContain(second, o => o.Status is StageStatus.Failed or StageStatus.NotAttempted);
        Assert.False(File.Exists(Path.Combine(w.Out, FailureReport.FileName)));
    }
}
