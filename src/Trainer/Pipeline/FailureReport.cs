using System.Text.Json;
using RbpPipeline.Contracts.Storage;

namespace RbpPipeline.Trainer.Pipeline;

/// <summary>
/// <c>&lt;out&gt;/failures.json</c>: every stage failure of the last run (model, stage, reason, and for unexpected
/// errors the exception's full text), written atomically at the end of a run with failures; a run without
/// failures removes it, so the file never describes an older run than the last one.
/// </summary>
public static class FailureReport
{
    public const string FileName = "failures.json";

    public static string PathIn(string outputRoot) => Path.Combine(Path.GetFullPath(outputRoot), FileName);

    /// <summary>Writes (or removes) the report; returns its path when written.</summary>
    public static string? Write(string outputRoot, IReadOnlyList<StageOutcome> outcomes)
    {
        var path = PathIn(outputRoot);
        var failures = outcomes.Select(o => o.Failure).OfType<StageFailure>().ToList();
        if (failures.Count == 0)
        {
            if (File.Exists(path)) File.Delete(path);
            return null;
        }
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var report = new
        {
            finishedUtc = DateTimeOffset.UtcNow,
            succeeded = Succeeded(outcomes),
            failed = failures.Select(f => f.Model).Distinct().ToList(),
            notAttempted = outcomes.Where(o => o.Status == StageStatus.NotAttempted).Select(o => new { o.Model, o.Stage }),
            failures = failures.Select(f => new
            {
                f.Model,
                f.Stage,
                kind = f.Refusal ? "refused" : "error",
                f.ErrorType,
                f.Message,
                f.Detail,
            }),
        };
        AtomicFile.WriteAllText(path, JsonSerializer.Serialize(report, TrainerStages.Json) + "\n");
        return path;
    }

    /// <summary>
    /// <c>&lt;out&gt;/&lt;model&gt;/failure.json</c>: the last failure of that one model, removed once its stages all
    /// succeed. Cluster tasks running side by side each write the run-wide report, the last one winning; this file
    /// is each model's own, so <c>rbp train --status</c> sees every model's failure whichever task wrote last.
    /// </summary>
    public const string ModelFileName = "failure.json";

    public static void WriteModel(string runFolder, StageFailure? failure)
    {
        var path = Path.Combine(runFolder, ModelFileName);
        if (failure is null)
        {
            if (File.Exists(path)) File.Delete(path);
            return;
        }
        Directory.CreateDirectory(runFolder);
        AtomicFile.WriteAllText(path, JsonSerializer.Serialize(failure, TrainerStages.Json) + "\n");
    }

    /// <summary>The models all of whose attempted stages ran or were skipped as unchanged.</summary>
    public static IReadOnlyList<string> Succeeded(IReadOnlyList<StageOutcome> outcomes) =>
        [.. outcomes.GroupBy(o => o.Model).Where(g => g.All(o => o.Status is StageStatus.Ran or StageStatus.Skipped)).Select(g => g.Key)];

    public static IReadOnlyList<string> Failed(IReadOnlyList<StageOutcome> outcomes) =>
        [.. outcomes.Where(o => o.Status == StageStatus.Failed).Select(o => o.Model).Distinct()];
}
