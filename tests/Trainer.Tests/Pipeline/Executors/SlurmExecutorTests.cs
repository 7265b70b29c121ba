using System.Diagnostics;
using System.Text.Json;
using RbpPipeline.Trainer.Pipeline;
using RbpPipeline.Trainer.Pipeline.Executors;

namespace RbpPipeline.Trainer.Tests.Pipeline.Executors;

/// <summary>
/// The executor: YAML section, the fan-out of a pipeline into cluster tasks, the sbatch scripts (run by bash with
/// `printf` standing in for rbp, so bash itself says what each array element would run), the submission through
/// sbatch and the squeue side of --status.
/// </summary>
public sealed class SlurmExecutorTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private const string Yaml = """
        version: 1
        stages: [prepare, train, evaluate]
        executor:
          slurm: { partition: gpu, cpus: 4, mem: 16G, time: "2:00:00", gres: "gpu:1", extra_args: [--account=lab, --qos=long] }
        datasets:
          clip:
            format: fasta
            each: [PUM2, QKI, "RBFOX 2"]
            train: "{rbp}/train.fa"
            test: "{rbp}/test.fa"
          one:
            format: fasta
            train: one/train.fa
            test: one/test.fa
        models:
          rb:
            architecture: tiny-cnn
            dataset: clip
            encoding: { length: 101 }
          big:
            architecture: tiny-cnn
            dataset: one
            encoding: { length: 101 }
            executor:
              slurm: { mem: 64G, time: 1-00:00:00 }
        """;

    private static PipelineConfig Config(string yaml = Yaml) => PipelineLoader.Parse(yaml, "/p/pipeline.yaml", PipelineYamlTests.Catalog);

    private static PipelineConfigException Fails(string yaml) =>
        Assert.Throws<PipelineConfigException>(() => Config(yaml));

    [Fact]
    public void Entry_resources_override_the_file_s_key_by_key_and_make_their_own_group()
    {
        var config = Config();
        var plan = FanOutPlan.Of(config, PipelinePlanner.Plan(config));

        Assert.Equal(2, plan.Groups.Count);
        Assert.Equal(["rb-PUM2", "rb-QKI", "rb-RBFOX-2"], plan.Groups[0].Tasks.Select(t => t.Only));
        Assert.Equal(["--partition=gpu", "--cpus-per-task=4", "--mem=16G", "--time=2:00:00", "--gres=gpu:1", "--account=lab", "--qos=long"],
                     plan.Groups[0].Settings.Slurm.SbatchOptions());
        Assert.Equal(["--partition=gpu", "--cpus-per-task=4", "--mem=64G", "--time=1-00:00:00", "--gres=gpu:1", "--account=lab", "--qos=long"],
                     Assert.Single(plan.Groups[1].Tasks).Settings.Slurm.SbatchOptions());
        Assert.Equal(["prepare", "train", "evaluate"], plan.TaskStages);
        Assert.Empty(plan.FollowUpStages);
    }

    [Theory]
    [InlineData("  slurm: { mem: lots }", "executor.slurm.mem", "'lots' is not a Slurm memory size")]
    [InlineData("  slurm: { time: 2h }", "executor.slurm.time", "'2h' is not a Slurm time limit")]
    [InlineData("  slurm: { cpus: 0 }", "executor.slurm.cpus", "at least 1")]
    [InlineData("  slurm: { partion: gpu }", "executor.slurm.partion", "did you mean 'partition'")]
    [InlineData("  slurm: { extra_args: [account=lab] }", "executor.slurm.extra_args", "not an sbatch option")]
    [InlineData("  kubernetes: { memory: 8 GB }", "executor.kubernetes.memory", "not a Kubernetes memory quantity")]
    [InlineData("  kubernetes: { mount_path: work }", "executor.kubernetes.mount_path", "not an absolute path")]
    [InlineData("  kubernetes: { namespace: My_NS }", "executor.kubernetes.namespace", "not a Kubernetes namespace")]
    [InlineData("  pbs: {}", "executor.pbs", "allowed here: slurm, kubernetes")]
    public void Bad_executor_settings_name_the_file_line_and_key(string line, string key, string problem)
    {
        var e = Fails(PipelineYamlTests.Valid + "\nexecutor:\n" + line + "\n");
        Assert.Equal(key, e.Key);
        Assert.Contains(problem, e.Message);
        Assert.Equal(16, e.Line);
        Assert.StartsWith("/p/pipeline.yaml:16:", e.Message);
    }

    [Fact]
    public async Task Array_element_i_runs_task_i_with_the_same_folders()
    {
        if (!File.Exists("/bin/bash")) Assert.Skip("bash is needed to run the script");
        var config = Config();
        var plan = FanOutPlan.Of(config, PipelinePlanner.Plan(config));
        var run = new ExecutorRun { Rbp = ["printf", "%s|"], PipelineFile = "/p/pipeline.yaml", OutputRoot = "/shared/runs", DataRoot = "/shared/my data", Threads = 4 };
        var script = SlurmScripts.ArrayScript(plan.Groups[0], plan, run, "rbp-pipeline");

        Assert.Contains("#SBATCH --array=0-2\n", script);
        Assert.Contains("#SBATCH --mem=16G\n", script);
        Assert.Contains("#SBATCH --output=/shared/runs/.slurm/%x-%A_%a.out\n", script);
        using var folder = new TempFolder();
        var path = folder.File("job.sbatch");
        await File.WriteAllTextAsync(path, script, Ct);
        for (var i = 0; i < 3; i++)
        {
            var start = new ProcessStartInfo("/bin/bash", [path]) { RedirectStandardOutput = true, WorkingDirectory = folder.Path };
            start.Environment["SLURM_ARRAY_TASK_ID"] = i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            using var bash = Process.Start(start)!;
            var stdout = await bash.StandardOutput.ReadToEndAsync(Ct);
            await bash.WaitForExitAsync(Ct);
            Assert.Equal(0, bash.ExitCode);
            Assert.Equal($"train|/p/pipeline.yaml|--out|/shared/runs|--data|/shared/my data|--threads|4|--only|{plan.Groups[0].Tasks[i].Only}|", stdout);
        }
    }

    [Fact]
    public async Task Submission_runs_sbatch_per_group_records_the_ids_and_no_follow_up_when_every_stage_is_per_model()
    {
        using var folder = new TempFolder();
        var config = Config();
        var plan = FanOutPlan.Of(config, PipelinePlanner.Plan(config));
        var sbatch = new FakeCommands(_ => new CommandResult(0, "4107;cluster\n", ""), _ => new CommandResult(0, "4108\n", ""));
        var log = new StringWriter();
        var run = new ExecutorRun { Rbp = ["rbp"], PipelineFile = "/p/pipeline.yaml", OutputRoot = folder.File("runs") };

        var submission = await new SlurmExecutor(sbatch, log).SubmitAsync(config, plan, run, Ct);

        Assert.Equal(["4107", "4108"], submission.Arrays.Select(a => a.JobId));
        Assert.Null(submission.FollowUpJobId);
        Assert.All(sbatch.Calls, c => Assert.Equal("sbatch", c.Program));
        Assert.Equal(["--parsable", folder.File("runs/.slurm/rbp-pipeline-1.sbatch")], sbatch.Calls[0].Arguments);
        Assert.Contains("submitted job array 4107 (3 task(s): rb-PUM2, rb-QKI, rb-RBFOX-2)", log.ToString());
        Assert.Contains("no follow-up job", log.ToString());
        using var saved = JsonDocument.Parse(await File.ReadAllTextAsync(SlurmSubmission.PathIn(folder.File("runs")), Ct));
        Assert.Equal("4108", saved.RootElement.GetProperty("arrays")[1].GetProperty("jobId").GetString());

        var failing = new FakeCommands(_ => new CommandResult(1, "", "sbatch: error: invalid partition specified: gpu"));
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => new SlurmExecutor(failing, log).SubmitAsync(config, plan, run, Ct));
        Assert.Contains("invalid partition specified: gpu", e.Message);
    }

    [Fact]
    public async Task A_stage_that_needs_every_model_goes_to_a_follow_up_job_after_every_array()
    {
        using var folder = new TempFolder();
        var config = Config();
        var perModel = FanOutPlan.Of(config, PipelinePlanner.Plan(config));
        // No stage needs every model today; a plan with one shows how it would be submitted.
        var plan = perModel with { TaskStages = ["prepare", "train"], FollowUpStages = ["evaluate"] };
        var sbatch = new FakeCommands(_ => new CommandResult(0, "11\n", ""), _ => new CommandResult(0, "12\n", ""), _ => new CommandResult(0, "13\n", ""));
        var log = new StringWriter();
        var run = new ExecutorRun { Rbp = ["rbp"], PipelineFile = "/p/pipeline.yaml", OutputRoot = folder.File("runs") };

        var submission = await new SlurmExecutor(sbatch, log).SubmitAsync(config, plan, run, Ct);

        Assert.Equal("13", submission.FollowUpJobId);
        Assert.Equal(["--parsable", "--dependency=afterok:11:12", folder.File("runs/.slurm/rbp-pipeline-all.sbatch")], sbatch.Calls[2].Arguments);
        var array = await File.ReadAllTextAsync(folder.File("runs/.slurm/rbp-pipeline-1.sbatch"), Ct);
        Assert.Contains("--stage prepare --stage train --only", array);
        var followUp = await File.ReadAllTextAsync(folder.File("runs/.slurm/rbp-pipeline-all.sbatch"), Ct);
        Assert.Contains($"exec rbp train /p/pipeline.yaml --out {folder.File("runs")} --stage evaluate\n", followUp);
        Assert.DoesNotContain("--array", followUp);
        Assert.Contains("submitted follow-up job 13 (evaluate), after every array task succeeds", log.ToString());
    }

    [Fact]
    public async Task Status_reads_stage_records_failures_and_squeue_states()
    {
        using var folder = new TempFolder();
        var runs = folder.File("runs");
        var config = Config();
        var plans = PipelinePlanner.Plan(config);
        new SlurmSubmission(DateTimeOffset.UtcNow, [new SlurmArrayJob("77", ["rb-PUM2", "rb-QKI", "rb-RBFOX-2"])], null).Save(runs);
        foreach (var stage in new[] { "prepare", "train", "evaluate" }) Touch(runs, "rb-PUM2", stage);
        Touch(runs, "rb-QKI", "prepare");
        Touch(runs, "rb-RBFOX-2", "prepare");
        File.WriteAllText(Path.Combine(runs, "rb-RBFOX-2", RbpPipeline.Trainer.Checkpoints.TrainingStateFile.FileName), "");
        FailureReport.WriteModel(Path.Combine(runs, "rb-QKI"), new StageFailure("rb-QKI", "train", true, "IOException", "out of memory", null));
        var squeue = new FakeCommands(c =>
        {
            Assert.Equal(["-h", "-r", "-j", "77", "-o", "%i|%T"], c.Arguments);
            return new CommandResult(0, "77_2|RUNNING\n", "");
        });

        var progress = await TrainingStatus.ReadAsync(plans, config.Stages, runs, squeue, Ct);
        var text = new StringWriter();
        TrainingStatus.Print(progress, config.Stages, text);

        Assert.Equal(["prepare", "train", "evaluate"], progress[0].Done);
        Assert.Equal("train", progress[1].FailedStage);
        Assert.Equal("RUNNING", progress[2].JobState);
        Assert.Null(progress[3].JobState);
        Assert.Contains("rb-QKI      done     FAIL   -         -  (out of memory)", text.ToString());
        Assert.Contains("rb-RBFOX-2  done     part   -         RUNNING", text.ToString());
        Assert.EndsWith("1 of 4 model(s) complete, 1 failed, 1 running, 0 pending\n", text.ToString().ReplaceLineEndings("\n"));
    }

    private static void Touch(string runs, string model, string stage)
    {
        Directory.CreateDirectory(Path.Combine(runs, model, "stages"));
        File.WriteAllText(Path.Combine(runs, model, "stages", stage + ".json"), "{}");
    }

    private sealed class FakeCommands(params Func<(string Program, IReadOnlyList<string> Arguments), CommandResult>[] answers) : ICommandRunner
    {
        public List<(string Program, IReadOnlyList<string> Arguments)> Calls { get; } = [];

        public Task<CommandResult> RunAsync(string program, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
        {
            Calls.Add((program, arguments));
            return Task.FromResult(answers[Math.Min(Calls.Count - 1, answers.Length - 1)]((program, arguments)));
        }
    }
}
