using System.Text.RegularExpressions;

namespace RbpPipeline.Trainer.Pipeline.Executors;

/// <summary>
/// <c>rbp train --executor slurm</c>: writes the batch scripts to <c>&lt;out&gt;/.slurm/</c>, submits one job array
/// per resource group (one in the usual case) and, when some stage needs every model, a follow-up job that starts
/// once every array element has succeeded (<c>--dependency=afterok</c>). Slurm runs the training; this returns once
/// the jobs are queued.
/// </summary>
public sealed partial class SlurmExecutor(ICommandRunner commands, TextWriter log)
{
    [GeneratedRegex(@"^(\d+)(;\S+)?$")]
    private static partial Regex Parsable();

    public async Task<SlurmSubmission> SubmitAsync(PipelineConfig config, FanOutPlan plan, ExecutorRun run, CancellationToken ct)
    {
        var folder = SlurmScripts.Folder(run.OutputRoot);
        Directory.CreateDirectory(folder);
        var baseName = "rbp-" + Path.GetFileNameWithoutExtension(config.File);
        var arrays = new List<SlurmArrayJob>();
        for (var g = 0; g < plan.Groups.Count; g++)
        {
            var group = plan.Groups[g];
            var name = plan.Groups.Count == 1 ? baseName : $"{baseName}-{g + 1}";
            var script = Path.Combine(folder, name + ".sbatch");
            await File.WriteAllTextAsync(script, SlurmScripts.ArrayScript(group, plan, run, name), ct);
            var id = await SbatchAsync([script], ct);
            arrays.Add(new SlurmArrayJob(id, [.. group.Tasks.Select(t => t.Only)]));
            log.WriteLine($"rbp train: submitted job array {id} ({group.Tasks.Count} task(s): {Preview(group.Tasks.Select(t => t.Only))}); script {script}");
        }
        string? followUp = null;
        if (!plan.HasFollowUp)
        {
            log.WriteLine($"rbp train: no follow-up job: every stage ({string.Join(", ", plan.TaskStages)}) runs per model in the array");
        }
        else
        {
            var name = baseName + "-all";
            var script = Path.Combine(folder, name + ".sbatch");
            await File.WriteAllTextAsync(script, SlurmScripts.FollowUpScript(plan, run, name), ct);
            followUp = await SbatchAsync(arrays.Count == 0 ? [script] : [$"--dependency=afterok:{string.Join(':', arrays.Select(a => a.JobId))}", script], ct);
            log.WriteLine($"rbp train: submitted follow-up job {followUp} ({string.Join(", ", [.. plan.FollowUpModels, .. plan.FollowUpStages])}), after every array task succeeds");
        }
        var submission = new SlurmSubmission(DateTimeOffset.UtcNow, arrays, followUp);
        submission.Save(run.OutputRoot);
        log.WriteLine($"rbp train: progress: rbp train {SlurmScripts.Quote(config.File)} --status --out {SlurmScripts.Quote(run.OutputRoot)}");
        return submission;
    }

    private async Task<string> SbatchAsync(IReadOnlyList<string> arguments, CancellationToken ct)
    {
        var result = await commands.RunAsync("sbatch", ["--parsable", .. arguments], ct);
        var text = result.Stdout.Trim();
        if (result.ExitCode != 0 || Parsable().Match(text) is not { Success: true } m)
            throw new InvalidOperationException($"sbatch {string.Join(' ', arguments)} failed (exit {result.ExitCode}): {(result.Stderr + text).Trim()}");
        return m.Groups[1].Value;
    }

    private static string Preview(IEnumerable<string> names)
    {
        var list = names.ToList();
        return list.Count <= 4 ? string.Join(", ", list) : $"{string.Join(", ", list.Take(3))}, … {list[^1]}";
    }
}
