using System.Text.Json;
using RbpPipeline.Contracts.Storage;

namespace RbpPipeline.Trainer.Pipeline.Executors;

/// <summary>One submitted job array: its Slurm job id and the task (the --only value) of each element.</summary>
public sealed record SlurmArrayJob(string JobId, IReadOnlyList<string> Tasks);

/// <summary>
/// <c>&lt;out&gt;/.slurm/submission.json</c>: the job ids of the last <c>rbp train --executor slurm</c>, so that
/// <c>--status</c> can ask squeue about exactly those jobs.
/// </summary>
public sealed record SlurmSubmission(DateTimeOffset SubmittedUtc, IReadOnlyList<SlurmArrayJob> Arrays, string? FollowUpJobId)
{
    public const string FileName = "submission.json";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static string PathIn(string outputRoot) => Path.Combine(SlurmScripts.Folder(outputRoot), FileName);

    public void Save(string outputRoot) => AtomicFile.WriteAllText(PathIn(outputRoot), JsonSerializer.Serialize(this, Json) + "\n");

    public static SlurmSubmission? Load(string outputRoot)
    {
        var path = PathIn(outputRoot);
        if (!File.Exists(path)) return null;
        try { return JsonSerializer.Deserialize<SlurmSubmission>(File.ReadAllText(path), Json); }
        catch (JsonException) { return null; } // an unreadable record only means no squeue column
    }
}
