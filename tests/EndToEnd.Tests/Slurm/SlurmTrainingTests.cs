using System.Diagnostics;
using System.Text.RegularExpressions;
using RbpPipeline.Trainer.Data;
using RbpPipeline.Trainer.Synthetic;

namespace RbpPipeline.EndToEnd.Tests.Slurm;

/// <summary>
/// `rbp train --executor slurm` on a real Slurm (<see cref="SlurmCluster"/>): a fan-out of three models goes out
/// as one job array over two nodes; one array element is cancelled; the same command re-run submits again and
/// finishes the work without redoing what was done; every model is trained exactly once, the checkpoints equal a
/// local run's bit for bit, --status says so, and the daemons are gone afterwards.
/// </summary>
public sealed partial class SlurmTrainingTests(ITestOutputHelper output)
{
    private static readonly string[] Proteins = ["a", "b", "c"];

    private const string Yaml = """
        version: 1
        seed: 5
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
            training: { epochs: 3, batch_size: 50 }
        executor:
          slurm: { cpus: 1, mem: 1000M, time: "10:00" }
        """;

    [GeneratedRegex(@"submitted job array (\d+) ")]
    private static partial Regex Submitted();

    [Fact]
    public async Task A_job_array_with_one_cancelled_task_rerun_trains_every_model_once_like_a_local_run()
    {
        var ct = TestContext.Current.CancellationToken;
        using var work = new TempFolder("rbp-slurm-work");
        foreach (var name in Proteins)
        {
            var options = new ClipLikeOptions { Positives = 150 };
            DataWriters.WriteFasta(work.File($"data/{name}/train.fa.gz"), ClipLikeGenerator.Generate(options, DeterministicRandom.For(1, name)).Records);
            DataWriters.WriteFasta(work.File($"data/{name}/test.fa.gz"), ClipLikeGenerator.Generate(options with { Positives = 20 }, DeterministicRandom.For(2, name)).Records);
        }
        var pipeline = work.File("pipeline.yaml");
        File.WriteAllText(pipeline, Yaml);
        string[] common = ["--data", work.File("data"), "--threads", "1"];

        var local = await Cli(work, null, ["train", pipeline, "--out", work.File("local"), .. common], ct);
        Assert.Equal(0, local.Code);

        IReadOnlyList<int> daemons;
        await using (var cluster = await SlurmCluster.StartAsync(output, ct))
        {
            daemons = cluster.ProcessIds;
            try
            {
                string[] submit = ["train", pipeline, "--out", work.File("runs"), .. common, "--executor", "slurm"];
                var first = await Cli(work, cluster, submit, ct);
                Assert.Equal(0, first.Code);
                Assert.Contains("no follow-up job", first.Stdout);
                var arrayId = Submitted().Match(first.Stdout) is { Success: true } m ? m.Groups[1].Value : throw new Xunit.Sdk.XunitException("no job array id printed");

                // Cancel element 1 (rb-b) once: as soon as it runs, or while it still waits.
                var clock = Stopwatch.StartNew();
                string state;
                do
                {
                    var queue = await cluster.RunAsync("squeue", ["-h", "-r", "-j", arrayId, "-o", "%i %T"], ct);
                    state = queue.Stdout.Split('\n').FirstOrDefault(l => l.StartsWith($"{arrayId}_1 ", StringComparison.Ordinal))?.Split(' ')[1] ?? "GONE";
                    if (state != "PENDING") break;
                    await Task.Delay(200, ct);
                } while (clock.Elapsed < TimeSpan.FromSeconds(60));
                var cancel = await cluster.RunAsync("scancel", [$"{arrayId}_1"], ct);
                output.WriteLine($"element 1 was {state} when cancelled (scancel exit {cancel.Code})");
                Assert.NotEqual("GONE", state); // cancelled while it ran or waited, not after it finished
                await cluster.WaitUntilIdleAsync(TimeSpan.FromSeconds(120), ct);

                var partial = await Cli(work, cluster, ["train", pipeline, "--out", work.File("runs"), "--data", work.File("data"), "--status"], ct);
                Assert.Equal(0, partial.Code);
                Assert.Matches(@"rb-b\s+\S+\s+-", partial.Stdout); // rb-b's train stage is not done
                Assert.Contains("2 of 3 model(s) complete", partial.Stdout);

                var second = await Cli(work, cluster, submit, ct);
                Assert.Equal(0, second.Code);
                await cluster.WaitUntilIdleAsync(TimeSpan.FromSeconds(120), ct);

                var done = await Cli(work, cluster, ["train", pipeline, "--out", work.File("runs"), "--data", work.File("data"), "--status"], ct);
                Assert.Contains("3 of 3 model(s) complete, 0 failed", done.Stdout);
            }
            catch
            {
                output.WriteLine(cluster.Logs());
                throw;
            }
        }

        // Every model's train stage ran exactly once over both submissions (the rerun skipped rb-a and rb-c).
        var logs = string.Join("\n", Directory.EnumerateFiles(work.File("runs/.slurm"), "*.out").Select(File.ReadAllText));
        output.WriteLine(logs);
        foreach (var name in Proteins)
        {
            Assert.Single(Regex.Matches(logs, $@"\[rb-{name}\] train: done in "));
            var weights = $"rb-{name}/checkpoint/weights.safetensors";
            Assert.Equal(File.ReadAllBytes(work.File($"local/{weights}")), File.ReadAllBytes(work.File($"runs/{weights}")));
        }
        Assert.Equal(2, Regex.Matches(logs, @"\] train: skipped").Count);

        // The daemons and everything in their process groups (job steps) are gone.
        foreach (var pid in daemons)
        {
            var group = Process.Start(new ProcessStartInfo("pgrep", ["-g", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { RedirectStandardOutput = true })!;
            var left = await group.StandardOutput.ReadToEndAsync(ct);
            await group.WaitForExitAsync(ct);
            Assert.True(left.Trim().Length == 0, $"processes left in the group of daemon {pid}: {left}");
        }
    }

    private async Task<RbpCli.Result> Cli(TempFolder work, SlurmCluster? cluster, string[] arguments, CancellationToken ct)
    {
        var environment = cluster is null ? null : new Dictionary<string, string> { ["SLURM_CONF"] = cluster.ConfigFile };
        var result = await RbpCli.RunAsync(arguments, work.Path, environment, cancellationToken: ct);
        output.WriteLine($"$ rbp {string.Join(' ', arguments)}\n{result.Stdout}{result.Stderr}");
        return result;
    }
}
