namespace RbpPipeline.Trainer.Pipeline.Executors;

/// <summary>
/// One independent unit of a fanned-out training run: what <c>rbp train … --only &lt;Only&gt;</c> trains. Usually one
/// model; an RBP-ADDA entry is one task for both of its models, since they share one training run.
/// </summary>
public sealed record FanOutTask(string Only, IReadOnlyList<string> Models, ExecutorSettings Settings);

/// <summary>Tasks with the same cluster resources: one Slurm job array, one Kubernetes Indexed Job.</summary>
public sealed record FanOutGroup(IReadOnlyList<FanOutTask> Tasks)
{
    public ExecutorSettings Settings => Tasks[0].Settings;
}

/// <summary>
/// How a pipeline splits over a cluster: the tasks (array elements) that run the per-model stages, in plan order,
/// grouped by their resources, and the stages that need every model first (a follow-up job after all tasks).
/// Every stage there is today (prepare, train, evaluate, export, publish) reads and writes one model's folders
/// only, so <see cref="FollowUpStages"/> is empty until a stage says otherwise through <see cref="AllModelStages"/>.
/// </summary>
public sealed record FanOutPlan(IReadOnlyList<FanOutGroup> Groups, IReadOnlyList<string> TaskStages, IReadOnlyList<string> FollowUpStages)
{
    /// <summary>Stages that read every model's outputs (none yet).</summary>
    public static readonly IReadOnlySet<string> AllModelStages = new HashSet<string>(StringComparer.Ordinal);

    public IEnumerable<FanOutTask> Tasks => Groups.SelectMany(g => g.Tasks);

    /// <summary>
    /// Ensemble models (<see cref="ModelPlan.Ensemble"/>): they read their members' checkpoints, so they are no array
    /// tasks but run, every selected stage, in the follow-up job once the members' tasks have succeeded.
    /// </summary>
    public IReadOnlyList<string> FollowUpModels { get; init; } = [];

    /// <summary>Whether a follow-up job is needed (ensemble models, or stages that need every model).</summary>
    public bool HasFollowUp => FollowUpModels.Count > 0 || FollowUpStages.Count > 0;

    /// <summary>The <c>rbp train</c> arguments (after the CLI itself) of the follow-up job, run in order.</summary>
    public IReadOnlyList<IReadOnlyList<string>> FollowUpCommands(ExecutorRun run)
    {
        var commands = new List<IReadOnlyList<string>>();
        if (FollowUpModels.Count > 0)
            commands.Add([.. run.TrainArguments(run.Stages is null ? [] : TaskStages), .. FollowUpModels.SelectMany(m => new[] { "--only", m })]);
        if (FollowUpStages.Count > 0) commands.Add(run.TrainArguments(FollowUpStages));
        return commands;
    }

    /// <param name="stages">The stages to run (the user's --stage selection), null = every stage the file declares.</param>
    public static FanOutPlan Of(PipelineConfig config, IReadOnlyList<ModelPlan> plans, IReadOnlyList<string>? stages = null)
    {
        var selected = stages is { Count: > 0 } ? config.Stages.Where(stages.Contains).ToList() : config.Stages;
        var tasks = new List<FanOutTask>();
        foreach (var plan in plans)
        {
            if (plan.Ensemble is not null) continue;
            var only = plan.Adaptation?.Entry ?? plan.Name;
            var at = tasks.FindIndex(t => t.Only == only);
            if (at >= 0) tasks[at] = tasks[at] with { Models = [.. tasks[at].Models, plan.Name] };
            else tasks.Add(new FanOutTask(only, [plan.Name], config.ExecutorFor(plan.Model.Name)));
        }
        var groups = tasks.GroupBy(t => (t.Settings.Slurm.Key, t.Settings.Kubernetes))
            .Select(g => new FanOutGroup([.. g])).ToList();
        return new FanOutPlan(groups,
            [.. selected.Where(s => !AllModelStages.Contains(s))],
            [.. selected.Where(AllModelStages.Contains)])
        {
            FollowUpModels = [.. plans.Where(p => p.Ensemble is not null).Select(p => p.Name)],
        };
    }
}
