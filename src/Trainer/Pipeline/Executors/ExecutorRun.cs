namespace RbpPipeline.Trainer.Pipeline.Executors;

/// <summary>
/// What every cluster task repeats of the user's <c>rbp train</c> command: how to start <c>rbp</c> on a node, the
/// pipeline file, the folders (absolute: a shared file system is assumed, the same paths on every node) and the
/// options that change what is run.
/// </summary>
public sealed record ExecutorRun
{
    /// <summary>The command that starts rbp, e.g. [dotnet, /opt/rbp/rbp.dll] or [/usr/local/bin/rbp].</summary>
    public required IReadOnlyList<string> Rbp { get; init; }

    public required string PipelineFile { get; init; }

    public required string OutputRoot { get; init; }

    public string? DataRoot { get; init; }

    public int? Threads { get; init; }

    public string? Device { get; init; }

    public bool Force { get; init; }

    /// <summary>The user's --stage selection; null = every stage the file declares.</summary>
    public IReadOnlyList<string>? Stages { get; init; }

    /// <summary>The arguments of one task's <c>rbp train</c>, before its model selection.</summary>
    public IReadOnlyList<string> TrainArguments(IEnumerable<string> stages)
    {
        var args = new List<string>(Rbp) { "train", PipelineFile, "--out", OutputRoot };
        if (DataRoot is not null) args.AddRange(["--data", DataRoot]);
        if (Threads is not null) args.AddRange(["--threads", Threads.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        if (Device is not null) args.AddRange(["--device", Device]);
        if (Force) args.Add("--force");
        foreach (var stage in stages) args.AddRange(["--stage", stage]);
        return args;
    }
}
