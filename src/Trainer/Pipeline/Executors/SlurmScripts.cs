using System.Text;

namespace RbpPipeline.Trainer.Pipeline.Executors;

/// <summary>
/// The sbatch scripts of a fanned-out run: one job array per resource group whose element i trains task i (the
/// task names are listed in the script, so element i means the same model however the data folder changes later),
/// and the follow-up script for the stages that need every model.
/// </summary>
public static class SlurmScripts
{
    /// <summary>The folder under the output root for scripts, Slurm logs and the submission record.</summary>
    public const string FolderName = ".slurm";

    public static string Folder(string outputRoot) => Path.Combine(outputRoot, FolderName);

    public static string ArrayScript(FanOutGroup group, FanOutPlan plan, ExecutorRun run, string jobName)
    {
        var text = Header(jobName, run);
        text.AppendLine($"#SBATCH --array=0-{group.Tasks.Count - 1}");
        text.AppendLine($"#SBATCH --output={Path.Combine(Folder(run.OutputRoot), "%x-%A_%a.out")}");
        foreach (var option in group.Settings.Slurm.SbatchOptions()) text.AppendLine($"#SBATCH {option}");
        text.AppendLine("set -euo pipefail");
        text.AppendLine("# Element i of the array trains TASKS[i]; each is idempotent (finished stages are skipped), so a rerun");
        text.AppendLine("# or a requeue repeats only what did not finish.");
        text.AppendLine($"TASKS=({string.Join(' ', group.Tasks.Select(t => Quote(t.Only)))})");
        // Stages are named only when the task must leave some out; the usual script runs "every stage".
        var stages = run.Stages is null && plan.FollowUpStages.Count == 0 ? [] : plan.TaskStages;
        text.AppendLine($"exec {Join(run.TrainArguments(stages))} --only \"${{TASKS[$SLURM_ARRAY_TASK_ID]}}\"");
        return text.ToString();
    }

    public static string FollowUpScript(FanOutPlan plan, ExecutorRun run, string jobName)
    {
        var text = Header(jobName, run);
        text.AppendLine($"#SBATCH --output={Path.Combine(Folder(run.OutputRoot), "%x-%j.out")}");
        foreach (var option in plan.Groups[0].Settings.Slurm.SbatchOptions()) text.AppendLine($"#SBATCH {option}");
        text.AppendLine("set -euo pipefail");
        var commands = plan.FollowUpCommands(run);
        for (var i = 0; i < commands.Count; i++) text.AppendLine($"{(i == commands.Count - 1 ? "exec " : "")}{Join(commands[i])}");
        return text.ToString();
    }

    private static StringBuilder Header(string jobName, ExecutorRun run)
    {
        var text = new StringBuilder();
        text.AppendLine("#!/bin/bash");
        text.AppendLine("# Written by `rbp train --executor slurm`; submitting it again is safe.");
        text.AppendLine($"#SBATCH --job-name={jobName}");
        text.AppendLine($"#SBATCH --chdir={Path.GetDirectoryName(run.PipelineFile)}");
        return text;
    }

    private static string Join(IEnumerable<string> args) => string.Join(' ', args.Select(Quote));

    /// <summary>A word for bash: as is when it holds only safe characters, else single-quoted.</summary>
    public static string Quote(string word) =>
        word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || "-_./:=,+@%".Contains(c))
            ? word
            : "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
