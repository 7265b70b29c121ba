using System.Diagnostics;
using System.Text.Json;
using RbpPipeline.Trainer.Data;
using RbpPipeline.Trainer.Synthetic;

namespace RbpPipeline.EndToEnd.Tests;

/// <summary>
/// `rbp train` as a user runs it (the built CLI in its own process) on a fan-out of three data sets of which one is
/// broken: the exit code, the one line per failure, the summary, failures.json, and --fail-fast.
/// </summary>
public sealed class TrainKeepGoingCliTests(ITestOutputHelper output)
{
    private const string Yaml = """
        version: 1
        seed: 3
        stages: [prepare, train]
        datasets:
          clip:
            format: fasta
            each: "*"
            train: "{rbp}/train.fa.gz"
            test: "{rbp}/test.fa.gz"
        models:
          rb:
            architecture: residualbind
            dataset: clip
            hyperparameters: { filters: 8, dense: 16 }
            encoding: { length: 101 }
            training: { epochs: 1, batch_size: 50 }
        """;

    private static TempFolder Workspace()
    {
        var work = new TempFolder();
        foreach (var name in new[] { "a", "b", "c" })
        {
            var options = new ClipLikeOptions { Positives = 30 };
            DataWriters.WriteFasta(work.File($"data/{name}/train.fa.gz"), ClipLikeGenerator.Generate(options, DeterministicRandom.For(1, name)).Records);
            DataWriters.WriteFasta(work.File($"data/{name}/test.fa.gz"), ClipLikeGenerator.Generate(options with { Positives = 10 }, DeterministicRandom.For(2, name)).Records);
        }
        // "a" sorts first: with --fail-fast nothing after it is attempted.
        File.WriteAllText(work.File("data/a/train.fa.gz"), "> chr1,+,100,200\nACGUACGUAC\n");
        File.WriteAllText(work.File("pipeline.yaml"), Yaml);
        return work;
    }

    [Fact]
    public async Task A_broken_data_set_is_one_line_the_others_train_and_the_run_exits_1()
    {
        using var work = Workspace();

        var (code, stdout, stderr) = await RunAsync(work, "train", work.File("pipeline.yaml"), "--data", work.File("data"), "--out", work.File("runs"), "--threads", "1");

        Assert.Equal(1, code);
        Assert.Contains("[rb-a] prepare: FAILED — ", stdout);
        Assert.Contains("rbp train: 2 model(s) succeeded, 1 failed;", stderr);
        Assert.Contains("  [rb-a] prepare: FAILED — ", stderr);
        Assert.Contains($"rbp train: failures report: {work.File("runs/failures.json")}", stderr);
        Assert.DoesNotContain("   at ", stdout + stderr); // no stack trace
        Assert.True(File.Exists(work.File("runs/rb-b/checkpoint/manifest.json")) && File.Exists(work.File("runs/rb-c/checkpoint/manifest.json")));
        using var report = JsonDocument.Parse(File.ReadAllText(work.File("runs/failures.json")));
        Assert.Equal(["rb-a"], report.RootElement.GetProperty("failed").EnumerateArray().Select(e => e.GetString()));
        // Each model's own record (what `rbp train --status` reads): the failure, and none for the models that trained.
        Assert.Contains("\"stage\": \"prepare\"", File.ReadAllText(work.File("runs/rb-a/failure.json")));
        Assert.False(File.Exists(work.File("runs/rb-b/failure.json")));
    }

    [Fact]
    public async Task Fail_fast_stops_at_the_first_failure()
    {
        using var work = Workspace();

        var (code, _, stderr) = await RunAsync(work, "train", work.File("pipeline.yaml"), "--data", work.File("data"), "--out", work.File("runs"), "--threads", "1", "--fail-fast");

        Assert.Equal(1, code);
        Assert.Contains("rbp train: 0 model(s) succeeded, 1 failed, 2 not attempted (--fail-fast);", stderr);
        Assert.False(Directory.Exists(work.File("runs/rb-b")) || Directory.Exists(work.File("runs/rb-c")));
    }

    private async Task<RbpCli.Result> RunAsync(TempFolder work, params string[] arguments)
    {
        var result = await RbpCli.RunAsync(arguments, work.Path, cancellationToken: TestContext.Current.CancellationToken);
        output.WriteLine(result.Stdout);
        output.WriteLine(result.Stderr);
        return result;
    }
}
