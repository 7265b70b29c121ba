using System.Diagnostics;
using System.Text.Json;
using RbpPipeline.Contracts.Storage;
using RbpPipeline.Trainer.Networks;

namespace RbpPipeline.Trainer.Pipeline;

/// <summary>How to run a pipeline (the CLI's options).</summary>
public sealed record PipelineRunOptions
{
    /// <summary>Run folders go to <c>&lt;OutputRoot&gt;/&lt;model&gt;/</c>.</summary>
    public string OutputRoot { get; init; } = "runs";

    /// <summary>Overrides the file's data_root (see <see cref="PipelinePlanner.DataRoot"/>).</summary>
    public string? DataRoot { get; init; }

    /// <summary>Overrides the file's repository (where publish writes models).</summary>
    public string? Repository { get; init; }

    /// <summary>Only these stages (in the file's order); null = every stage the file declares.</summary>
    public IReadOnlyList<string>? Stages { get; init; }

    /// <summary>Only these models: a model entry's name (all its fan-out models) or one fan-out model's name.</summary>
    public IReadOnlyList<string>? Only { get; init; }

    /// <summary>Overrides the file's threads; 0 = one per core.</summary>
    public int? Threads { get; init; }

    /// <summary>Overrides every model's training.device (auto | cpu | cuda | cuda:N); null = the file's.</summary>
    public string? Device { get; init; }

    /// <summary>Run stages even when their inputs and configuration are unchanged.</summary>
    public bool Force { get; init; }

    public bool Interactive { get; init; }

    /// <summary>
    /// Stop at the first failed stage. By default a failure ends only the failing model (its later stages are not
    /// attempted) and the run goes on with the other models, as <c>make -k</c> does.
    /// </summary>
    public bool FailFast { get; init; }
}

public enum StageStatus
{
    Ran,

    /// <summary>Inputs and configuration unchanged since the last successful run.</summary>
    Skipped,

    /// <summary>The stage threw; <see cref="StageOutcome.Failure"/> says why.</summary>
    Failed,

    /// <summary>An earlier stage of the same model failed (or --fail-fast stopped the run), so this one was not tried.</summary>
    NotAttempted,
}

public sealed record StageOutcome(string Model, string Stage, StageStatus Status, string Summary, TimeSpan Elapsed)
{
    /// <summary>Set when <see cref="Status"/> is <see cref="StageStatus.Failed"/>.</summary>
    public StageFailure? Failure { get; init; }
}

/// <summary>What a stage recorded when it finished (<c>&lt;run&gt;/stages/&lt;stage&gt;.json</c>).</summary>
public sealed record StageRecord(string Stage, string Hash, DateTimeOffset FinishedUtc, string Summary);

/// <summary>
/// Runs the declared stages for every planned model, model by model in file order. Before a stage runs, its content
/// hash is computed from the stage name, the model's configuration hash, the SHA-256 of every data file and the
/// stage's own fingerprint (e.g. the checkpoint evaluate reads); when it equals the hash recorded by the last
/// successful run and the outputs are still there, the stage is skipped with a message. A failing stage ends its
/// model only: the failure is logged as one line, the model's later stages are not attempted, the other models
/// still run (unless <see cref="PipelineRunOptions.FailFast"/>), and <see cref="FailureReport"/> records the
/// failures in <c>&lt;out&gt;/failures.json</c>. Cancellation and a stage that is not built yet still end the run.
/// </summary>
public sealed class PipelineRunner
{
    private readonly ArchitectureCatalog _architectures;
    private readonly IReadOnlyDictionary<string, IStageHandler> _handlers;
    private readonly TextWriter _log;

    public PipelineRunner(ArchitectureCatalog architectures, IEnumerable<IStageHandler> handlers, TextWriter log)
    {
        _architectures = architectures;
        _handlers = handlers.ToDictionary(h => h.Name, StringComparer.Ordinal);
        _log = log;
    }

    /// <summary>The Trainer's stages plus <paramref name="extra"/> (export, publish), later ones replacing earlier ones by name.</summary>
    public static IReadOnlyList<IStageHandler> WithTrainerStages(params IStageHandler[] extra) =>
        [.. TrainerStages.All.Where(h => extra.All(e => e.Name != h.Name)), .. extra];

    public async Task<IReadOnlyList<StageOutcome>> RunAsync(PipelineConfig config, PipelineRunOptions options, CancellationToken cancellationToken = default)
    {
        var stages = SelectStages(config, options.Stages);
        var plans = SelectModels(config, PipelinePlanner.Plan(config, options.DataRoot), options.Only);
        var missing = stages.FirstOrDefault(s => !_handlers.ContainsKey(s));
        if (missing is not null) throw new InvalidOperationException($"no handler is registered for stage '{missing}'");
        var threads = options.Threads ?? config.Threads;
        var hashes = new FileHashes();
        var outcomes = new List<StageOutcome>();
        var repository = options.Repository is not null ? Path.GetFullPath(options.Repository)
            : config.Repository is null ? null : Path.GetFullPath(Path.Combine(config.BaseDirectory, config.Repository));
        var stopped = false;
        foreach (var plan in plans)
        {
            var context = new StageContext
            {
                Config = config,
                Plan = plan,
                RunFolder = Path.GetFullPath(Path.Combine(options.OutputRoot, plan.Name)),
                Architectures = _architectures,
                Hashes = hashes,
                Log = _log,
                Threads = threads,
                Device = options.Device,
                Interactive = options.Interactive,
                Repository = repository,
            };
            foreach (var stage in EnsemblePlan.StagesOf(plan, stages))
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (stopped)
                {
                    outcomes.Add(new StageOutcome(plan.Name, stage, StageStatus.NotAttempted, "", TimeSpan.Zero));
                    continue;
                }
                var outcome = await RunOrFailAsync(_handlers[stage], context, options.Force, cancellationToken);
                outcomes.Add(outcome);
                if (outcome.Status == StageStatus.Failed) stopped = true;
            }
            // The model's own failure record: written when a stage failed, removed when every stage succeeded, left
            // alone when --fail-fast skipped the model.
            var modelOutcomes = outcomes.Where(o => o.Model == plan.Name).ToList();
            if (modelOutcomes.Select(o => o.Failure).OfType<StageFailure>().FirstOrDefault() is { } failure)
                FailureReport.WriteModel(context.RunFolder, failure);
            else if (modelOutcomes.Count > 0 && modelOutcomes.All(o => o.Status is StageStatus.Ran or StageStatus.Skipped))
                FailureReport.WriteModel(context.RunFolder, null);
            // A failed model's later stages are not attempted; with FailFast, neither are the models after it.
            if (!options.FailFast) stopped = false;
        }
        FailureReport.Write(options.OutputRoot, outcomes);
        return outcomes;
    }

    private async Task<StageOutcome> RunOrFailAsync(IStageHandler handler, StageContext context, bool force, CancellationToken ct)
    {
        try
        {
            return await RunStageAsync(handler, context, force, ct);
        }
        catch (Exception e) when (e is not (OperationCanceledException or StageUnavailableException))
        {
            var failure = StageFailure.From(context.Plan.Name, handler.Name, e, StageFailure.IsCommonRefusal(e) || handler.IsRefusal(e));
            _log.WriteLine(failure.ToString());
            return new StageOutcome(context.Plan.Name, handler.Name, StageStatus.Failed, failure.Headline, TimeSpan.Zero) { Failure = failure };
        }
    }

    private async Task<StageOutcome> RunStageAsync(IStageHandler handler, StageContext context, bool force, CancellationToken ct)
    {
        var label = $"[{context.Plan.Name}] {handler.Name}";
        var hash = StageHash(handler, context);
        var recordPath = Path.Combine(context.RunFolder, "stages", handler.Name + ".json");
        var previous = ReadRecord(recordPath);
        if (!force && previous is not null && previous.Hash == hash && handler.OutputsExist(context))
        {
            _log.WriteLine($"{label}: skipped — inputs and configuration unchanged since {previous.FinishedUtc:yyyy-MM-dd HH:mm:ss} UTC ({previous.Summary})");
            return new StageOutcome(context.Plan.Name, handler.Name, StageStatus.Skipped, previous.Summary, TimeSpan.Zero);
        }
        _log.WriteLine($"{label}: running{(previous is null ? "" : force ? " (forced)" : " (inputs or configuration changed)")}");
        var clock = Stopwatch.StartNew();
        var summary = await handler.RunAsync(context, ct);
        clock.Stop();
        Directory.CreateDirectory(Path.GetDirectoryName(recordPath)!);
        AtomicFile.WriteAllText(recordPath, JsonSerializer.Serialize(new StageRecord(handler.Name, hash, DateTimeOffset.UtcNow, summary), TrainerStages.Json) + "\n");
        _log.WriteLine($"{label}: done in {clock.Elapsed.TotalSeconds:F1} s — {summary}");
        return new StageOutcome(context.Plan.Name, handler.Name, StageStatus.Ran, summary, clock.Elapsed);
    }

    /// <summary>The content hash that decides whether a stage must run again.</summary>
    public static string StageHash(IStageHandler handler, StageContext context)
    {
        var content = new
        {
            stage = handler.Name,
            config = context.ConfigHash,
            data = context.DataSha256.OrderBy(p => p.Key, StringComparer.Ordinal).ToDictionary(),
            upstream = handler.Fingerprint(context),
        };
        return ModelData.Hash(JsonSerializer.SerializeToUtf8Bytes(content));
    }

    private static StageRecord? ReadRecord(string path)
    {
        if (!File.Exists(path)) return null;
        try { return JsonSerializer.Deserialize<StageRecord>(File.ReadAllText(path), TrainerStages.Json); }
        catch (JsonException) { return null; } // an unreadable record only means the stage runs again
    }

    private static IReadOnlyList<string> SelectStages(PipelineConfig config, IReadOnlyList<string>? wanted)
    {
        if (wanted is null || wanted.Count == 0) return config.Stages;
        foreach (var stage in wanted)
            if (!config.Stages.Contains(stage))
                throw new ArgumentException(
                    $"stage '{stage}' is not declared in {config.File}{DidYouMean.Suggest(stage, config.Stages)} (declared: {string.Join(", ", config.Stages)})");
        return [.. config.Stages.Where(wanted.Contains)];
    }

    private static IReadOnlyList<ModelPlan> SelectModels(PipelineConfig config, IReadOnlyList<ModelPlan> plans, IReadOnlyList<string>? only)
    {
        if (only is null || only.Count == 0) return plans;
        var known = plans.Select(p => p.Name).Concat(config.Models.Select(m => m.Name)).Distinct().ToList();
        foreach (var name in only)
            if (!known.Contains(name))
                throw new ArgumentException($"no model '{name}' in {config.File}{DidYouMean.Suggest(name, known)} (models: {string.Join(", ", known)})");
        // An ensemble model brings its members (they are trained first; unchanged ones are skipped).
        return [.. plans.Where(p => only.Contains(p.Name) || only.Contains(p.Model.Name) || (p.MemberOf is { } e && only.Contains(e)))];
    }
}
