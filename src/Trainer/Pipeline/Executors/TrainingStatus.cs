using System.Text.Json;

namespace RbpPipeline.Trainer.Pipeline.Executors;

/// <summary>Where one model stands: the stages whose records are on disk, its failure if any, and its job's state.</summary>
public sealed record ModelProgress(string Model, IReadOnlyList<string> Done, string? FailedStage, string? FailureMessage, string? JobState)
{
    /// <summary>Training has saved epochs but not finished (a rerun resumes from them).</summary>
    public bool TrainingStarted { get; init; }

    public bool Complete(IReadOnlyList<string> stages) => stages.All(Done.Contains);
}

/// <summary>
/// <c>rbp train --status</c>: progress per model read from what the runner leaves in the output folder — the stage
/// records (<c>&lt;out&gt;/&lt;model&gt;/stages/&lt;stage&gt;.json</c>, written only when a stage succeeds), each
/// model's own <c>failure.json</c>, the training state of a training that saved epochs but did not finish
/// (<c>part</c>), (not the run-wide <c>failures.json</c>, which the last task to finish rewrites) — and, after <c>--executor slurm</c>, squeue's state of each model's array element.
/// </summary>
public static class TrainingStatus
{
    public static async Task<IReadOnlyList<ModelProgress>> ReadAsync(
        IReadOnlyList<ModelPlan> plans, IReadOnlyList<string> stages, string outputRoot, ICommandRunner? commands, CancellationToken ct)
    {
        var jobStates = commands is null ? new Dictionary<string, string>() : await SlurmStatesAsync(outputRoot, commands, ct);
        return [.. plans.Select(plan =>
        {
            var records = Path.Combine(outputRoot, plan.Name, "stages");
            var done = stages.Where(s => File.Exists(Path.Combine(records, s + ".json"))).ToList();
            var failure = ReadModelFailure(Path.Combine(outputRoot, plan.Name)) ?? default;
            var task = plan.Adaptation?.Entry ?? plan.Name;
            var state = Path.Combine(outputRoot, plan.Adaptation?.Entry ?? plan.Name, Checkpoints.TrainingStateFile.FileName);
            return new ModelProgress(plan.Name, done, failure.Stage, failure.Message, jobStates.GetValueOrDefault(task))
            {
                TrainingStarted = !done.Contains("train") && File.Exists(state),
            };
        })];
    }

    public static void Print(IReadOnlyList<ModelProgress> progress, IReadOnlyList<string> stages, TextWriter output)
    {
        var width = Math.Max(5, progress.Max(p => p.Model.Length));
        var columns = stages.Select(s => Math.Max(s.Length, 4)).ToList();
        var showJobs = progress.Any(p => p.JobState is not null);
        output.WriteLine("model".PadRight(width) + "  " + string.Join("  ", stages.Select((s, i) => s.PadRight(columns[i]))) + (showJobs ? "  job" : ""));
        foreach (var p in progress)
        {
            var cells = stages.Select((s, i) => (p.Done.Contains(s) ? "done" : p.FailedStage == s ? "FAIL" : s == "train" && p.TrainingStarted ? "part" : "-").PadRight(columns[i]));
            var line = p.Model.PadRight(width) + "  " + string.Join("  ", cells) + (showJobs ? "  " + (p.JobState ?? "-") : "");
            output.WriteLine(line.TrimEnd() + (p.FailureMessage is { } m && p.FailedStage is not null ? $"  ({m})" : ""));
        }
        var complete = progress.Count(p => p.Complete(stages));
        var failed = progress.Count(p => p.FailedStage is not null && !p.Complete(stages));
        var running = progress.Count(p => p.JobState is "RUNNING");
        var pending = progress.Count(p => p.JobState is "PENDING" or "CONFIGURING" or "REQUEUED");
        output.WriteLine($"{complete} of {progress.Count} model(s) complete, {failed} failed" +
                         (showJobs ? $", {running} running, {pending} pending" : ""));
    }

    private static (string? Stage, string? Message)? ReadModelFailure(string runFolder)
    {
        var path = Path.Combine(runFolder, FailureReport.ModelFileName);
        if (!File.Exists(path)) return null;
        try
        {
            using var json = JsonDocument.Parse(File.ReadAllText(path));
            return (Text(json.RootElement, "stage"), Text(json.RootElement, "message"));
        }
        catch (JsonException) { return null; }
    }

    private static string? Text(JsonElement e, string name) =>
        e.EnumerateObject().FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase)) is { Value.ValueKind: JsonValueKind.String } p
            ? p.Value.GetString() : null;

    /// <summary>squeue's state of each task of the last submission still in the queue, by task name.</summary>
    private static async Task<Dictionary<string, string>> SlurmStatesAsync(string outputRoot, ICommandRunner commands, CancellationToken ct)
    {
        var states = new Dictionary<string, string>(StringComparer.Ordinal);
        if (SlurmSubmission.Load(outputRoot) is not { } submission) return states;
        CommandResult result;
        try
        {
            result = await commands.RunAsync("squeue", ["-h", "-r", "-j", string.Join(',', submission.Arrays.Select(a => a.JobId)), "-o", "%i|%T"], ct);
        }
        catch (InvalidOperationException) { return states; } // no squeue here: the files alone tell the progress
        // Finished jobs leave the queue (squeue then says the id is invalid): those tasks are simply not listed.
        foreach (var line in result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = line.Split('|');
            if (parts.Length != 2) continue;
            var id = parts[0].Split('_');
            if (id.Length != 2 || !int.TryParse(id[1], out var index)) continue;
            var array = submission.Arrays.FirstOrDefault(a => a.JobId == id[0]);
            if (array is not null && index < array.Tasks.Count) states[array.Tasks[index]] = parts[1];
        }
        return states;
    }
}
