using RbpPipeline.Cli.Executors;
using RbpPipeline.Trainer.Pipeline;
using RbpPipeline.Trainer.Pipeline.Executors;

namespace RbpPipeline.Cli.Commands;

/// <summary>
/// The cluster side of `rbp train`: `--executor slurm` (job array + follow-up job), `--executor kubernetes` (Indexed
/// Job manifests), `--status` (per-model progress) and `--only-index` (what one cluster task trains).
/// </summary>
public static class TrainFanOut
{
    public static async Task<int> SubmitSlurmAsync(string path, PipelineRunOptions options, TextWriter log, TextWriter error, CancellationToken ct,
                                                   ICommandRunner? commands = null)
    {
        try
        {
            var (config, plan) = Plan(path, options);
            var run = Run(path, options);
            await new SlurmExecutor(commands ?? new ProcessCommandRunner(), log).SubmitAsync(config, plan, run, ct);
            return CliExitCodes.Success;
        }
        catch (PipelineConfigException e) { return Fail(error, e.Message, CliExitCodes.Usage); }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException) { return Fail(error, e.Message, CliExitCodes.Failure); }
    }

    public static int WriteKubernetes(string path, PipelineRunOptions options, string? outputFile, TextWriter log, TextWriter error)
    {
        try
        {
            var (config, plan) = Plan(path, options);
            var yaml = KubernetesTrainingJobs.ToYaml(KubernetesTrainingJobs.Render(config, plan, Run(path, options)));
            if (outputFile is null)
            {
                log.Write(yaml);
            }
            else
            {
                File.WriteAllText(outputFile, yaml);
                log.WriteLine($"rbp train: wrote {plan.Groups.Count} Indexed Job(s) for {plan.Tasks.Count()} task(s) to {outputFile}: kubectl apply -f {outputFile}");
            }
            if (!plan.HasFollowUp)
                error.WriteLine($"rbp train: no follow-up Job: every stage ({string.Join(", ", plan.TaskStages)}) runs per model in the Indexed Job");
            else
                error.WriteLine("rbp train: apply the follow-up Job(s) (…-ensembles, …-all) once the Indexed Job has completed: kubectl wait --for=condition=complete job/<name>");
            return CliExitCodes.Success;
        }
        catch (PipelineConfigException e) { return Fail(error, e.Message, CliExitCodes.Usage); }
        catch (Exception e) when (e is ArgumentException or IOException) { return Fail(error, e.Message, CliExitCodes.Failure); }
    }

    public static async Task<int> StatusAsync(string path, PipelineRunOptions options, TextWriter log, TextWriter error, CancellationToken ct,
                                              ICommandRunner? commands = null)
    {
        try
        {
            var config = PipelineLoader.Load(path, ArchitectureCatalog.Default);
            var plans = Select(PipelinePlanner.Plan(config, options.DataRoot), options.Only);
            var stages = options.Stages is { Count: > 0 } s ? config.Stages.Where(s.Contains).ToList() : config.Stages;
            var progress = await TrainingStatus.ReadAsync(plans, stages, Path.GetFullPath(options.OutputRoot), commands ?? new ProcessCommandRunner(), ct);
            TrainingStatus.Print(progress, stages, log);
            return CliExitCodes.Success;
        }
        catch (PipelineConfigException e) { return Fail(error, e.Message, CliExitCodes.Usage); }
    }

    /// <summary>Turns --only-index into the one --only name it stands for; null (after a message) when out of range.</summary>
    public static PipelineRunOptions? OnlyIndex(string path, PipelineRunOptions options, int index, TextWriter error)
    {
        IReadOnlyList<string> names;
        if (options.Only is { Count: > 0 } only)
        {
            names = only;
        }
        else
        {
            try
            {
                var config = PipelineLoader.Load(path, ArchitectureCatalog.Default);
                names = [.. FanOutPlan.Of(config, PipelinePlanner.Plan(config, options.DataRoot)).Tasks.Select(t => t.Only)];
            }
            catch (PipelineConfigException e) { Fail(error, e.Message, 0); return null; }
        }
        if (index < 0 || index >= names.Count)
        {
            Fail(error, $"--only-index {index} is out of range: there are {names.Count} task(s) (0 to {names.Count - 1})", 0);
            return null;
        }
        return options with { Only = [names[index]] };
    }

    private static (PipelineConfig, FanOutPlan) Plan(string path, PipelineRunOptions options)
    {
        var config = PipelineLoader.Load(path, ArchitectureCatalog.Default);
        foreach (var stage in options.Stages ?? [])
            if (!config.Stages.Contains(stage))
                throw new ArgumentException($"stage '{stage}' is not declared in {config.File} (declared: {string.Join(", ", config.Stages)})");
        var plans = Select(PipelinePlanner.Plan(config, options.DataRoot), options.Only);
        return (config, FanOutPlan.Of(config, plans, options.Stages));
    }

    private static IReadOnlyList<ModelPlan> Select(IReadOnlyList<ModelPlan> plans, IReadOnlyList<string>? only) =>
        only is { Count: > 0 }
            ? [.. plans.Where(p => only.Contains(p.Name) || only.Contains(p.Model.Name) || (p.Adaptation?.Entry is { } e && only.Contains(e)) || (p.MemberOf is { } m && only.Contains(m)))]
            : plans;

    private static ExecutorRun Run(string path, PipelineRunOptions options) => new()
    {
        Rbp = RbpCommand(),
        PipelineFile = Path.GetFullPath(path),
        OutputRoot = Path.GetFullPath(options.OutputRoot),
        DataRoot = options.DataRoot is null ? null : Path.GetFullPath(options.DataRoot),
        Threads = options.Threads,
        Device = options.Device,
        Force = options.Force,
        Stages = options.Stages is { Count: > 0 } ? options.Stages : null,
    };

    /// <summary>How this rbp was started (`dotnet rbp.dll` or a published executable), for the nodes to start the same one.</summary>
    public static IReadOnlyList<string> RbpCommand()
    {
        var process = Environment.ProcessPath ?? "dotnet";
        return Path.GetFileNameWithoutExtension(process) == "dotnet" ? [process, typeof(TrainFanOut).Assembly.Location] : [process];
    }

    private static int Fail(TextWriter error, string message, int code)
    {
        error.WriteLine($"rbp train: {message}");
        return code;
    }
}
