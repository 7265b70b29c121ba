using System.Text.RegularExpressions;
using RbpPipeline.Contracts.Manifests;

namespace RbpPipeline.Trainer.Pipeline;

/// <summary>A data set with its paths resolved (and, for a fan-out entry, one name substituted).</summary>
public sealed record ResolvedDataset
{
    public required DatasetConfig Config { get; init; }

    /// <summary>The fan-out name (e.g. an RBP or experiment folder), null for a plain data set.</summary>
    public string? FanOutName { get; init; }

    public string? Train { get; init; }
    public string? Validation { get; init; }
    public string? Test { get; init; }
    public string? SingleFile { get; init; }

    public required IReadOnlyList<ResolvedTrack> Tracks { get; init; }

    public required IReadOnlyList<string> TaskNames { get; init; }

    /// <summary>
    /// A data set with <c>experiments:</c>: one resolved part per experiment (its own files, one task named after it),
    /// read together as one multi-task data set whose task k is experiment k. Null otherwise.
    /// </summary>
    public IReadOnlyList<ResolvedDataset>? Experiments { get; init; }

    /// <summary>The folder every path is relative to.</summary>
    public required string DataRoot { get; init; }

    public IEnumerable<string> Files => Experiments is { } parts ? parts.SelectMany(p => p.Files) :
        new[] { Train, Validation, Test, SingleFile }.Concat(Tracks.SelectMany(t => new[] { t.Train, t.Validation, t.Test, t.SingleFile })).OfType<string>();
}

public sealed record ResolvedTrack(TrackConfig Config, string? Train, string? Validation, string? Test, string? SingleFile);

/// <summary>One model to build: a model entry bound to one (resolved) data set.</summary>
public sealed record ModelPlan(string Name, ModelConfig Model, ResolvedDataset Dataset, ulong Seed)
{
    /// <summary>Set for the two models of an RBP-ADDA entry (<see cref="Dataset"/> is then its in-vitro data set).</summary>
    public AdaptationPlan? Adaptation { get; init; }

    /// <summary>Set for an ensemble entry's own model: the member models it averages (planned before it).</summary>
    public EnsemblePlan? Ensemble { get; init; }

    /// <summary>Set for an ensemble's member: the ensemble model's name. Members stop after evaluate (see <see cref="EnsemblePlan.MemberStages"/>).</summary>
    public string? MemberOf { get; init; }

    /// <summary>
    /// The seed of the train/validation split; the model's own <see cref="Seed"/> unless set. Ensemble members share
    /// their ensemble's split (they differ only in initialisation and batch order), so the ensemble's validation figure
    /// is measured on records none of its members trained on.
    /// </summary>
    public ulong? SplitSeedOverride { get; init; }

    public ulong SplitSeed => SplitSeedOverride ?? Seed;

    /// <summary>Every data file the model reads (both data sets of an RBP-ADDA entry), each once.</summary>
    public IEnumerable<string> Files => (Adaptation is { } a ? a.InVitro.Files.Concat(a.InVivo.Files) : Dataset.Files).Distinct();
}

/// <summary>Which of an RBP-ADDA entry's two models a plan is.</summary>
public enum AdaptationPath
{
    /// <summary><c>&lt;entry&gt;-source</c>: the source encoder Ms + the predictor T (in-vitro-like sequences, unless reversed).</summary>
    Source,

    /// <summary><c>&lt;entry&gt;-target</c>: the adapted target encoder Mt + T (in-vivo sequences, unless reversed).</summary>
    Target,
}

/// <summary>
/// An RBP-ADDA entry's two data sets and which path this plan is. Both plans share one training run, whose
/// resumable state lives in the entry's own run folder <c>&lt;out&gt;/&lt;entry&gt;/</c>.
/// </summary>
public sealed record AdaptationPlan(string Entry, ResolvedDataset InVitro, ResolvedDataset InVivo, AdaptationPath Path)
{
    public bool SourcePath => Path == AdaptationPath.Source;

    /// <summary>The suffix of the plan's name: "source" or "target".</summary>
    public string Suffix => SourcePath ? "source" : "target";
}

/// <summary>
/// Expands the models of a pipeline into plans: paths resolved against the data root, and fan-out entries (a data set
/// with <c>each</c>) turned into one model per name, called <c>&lt;model&gt;-&lt;name&gt;</c>.
/// </summary>
public static partial class PipelinePlanner
{
    [GeneratedRegex("[^A-Za-z0-9._-]+")]
    private static partial Regex Unsafe();

    /// <summary>
    /// The data root: <paramref name="overrideRoot"/> (the CLI's --data, relative to the working directory) when given,
    /// else the file's <c>data_root</c> relative to the pipeline file's folder, else that folder.
    /// </summary>
    public static string DataRoot(PipelineConfig config, string? overrideRoot) =>
        overrideRoot is not null ? Path.GetFullPath(overrideRoot)
        : config.DataRoot is not null ? Path.GetFullPath(Path.Combine(config.BaseDirectory, config.DataRoot))
        : config.BaseDirectory;

    public static IReadOnlyList<ModelPlan> Plan(PipelineConfig config, string? dataRootOverride = null)
    {
        var root = DataRoot(config, dataRootOverride);
        var plans = new List<ModelPlan>();
        foreach (var model in config.Models)
        {
            var dataset = config.Datasets[model.Dataset];
            var seed = model.Seed ?? config.Seed;
            if (model.Adaptation is { } adaptation)
            {
                // One training run, two models: the loader allows only plain data sets here.
                var inVitro = Resolve(config.Datasets[adaptation.Source], null, root);
                var inVivo = Resolve(config.Datasets[adaptation.Target], null, root);
                foreach (var path in new[] { AdaptationPath.Source, AdaptationPath.Target })
                {
                    var plan = new AdaptationPlan(model.Name, inVitro, inVivo, path);
                    plans.Add(new ModelPlan($"{model.Name}-{plan.Suffix}", model, inVitro, seed) { Adaptation = plan });
                }
                continue;
            }
            if (!dataset.FansOut)
            {
                AddModel(plans, new ModelPlan(model.Name, model, Resolve(dataset, null, root, config.File), seed));
                continue;
            }
            var names = dataset.Each ?? Glob(dataset, root);
            if (names.Count == 0)
                throw new PipelineConfigException(config.File, 0, 0, $"datasets.{dataset.Name}.each",
                    $"the fan-out pattern '{dataset.EachGlob}' matches nothing for {dataset.Train ?? dataset.SingleFile} under {root}");
            // Shared members train once on all the experiments together (before the first ensemble that reads them).
            var shared = (model.Ensemble?.Members ?? []).Where(m => m.Shared)
                .Select(m => new ModelPlan($"{model.Name}.{m.Name}", m.Model, Resolve(dataset with { Experiments = true }, null, root, config.File), (m.Model.Seed ?? seed) + m.SeedOffset)
                { MemberOf = model.Name, SplitSeedOverride = seed }).ToList();
            plans.AddRange(shared);
            foreach (var name in names)
            {
                var safe = Unsafe().Replace(name, "-").Trim('-');
                AddModel(plans, new ModelPlan($"{model.Name}-{safe}", model, Resolve(dataset, name, root), seed), shared);
            }
        }
        var clash = plans.GroupBy(p => p.Name, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        if (clash is not null)
            throw new PipelineConfigException(config.File, 0, 0, "models", $"two models would both be called '{clash.Key}' (fan-out names are <model>-<name>); rename one");
        // An RBP-ADDA entry keeps its training state in <out>/<entry>/, so no model may be called like the entry.
        var entry = config.Models.Where(m => m.Adaptation is not null).Select(m => m.Name)
            .FirstOrDefault(e => plans.Any(p => string.Equals(p.Name, e, StringComparison.OrdinalIgnoreCase)));
        if (entry is not null)
            throw new PipelineConfigException(config.File, 0, 0, "models",
                $"a model would be called '{entry}', the name of an RBP-ADDA entry whose run folder holds its training state; rename one");
        return plans;
    }

    // An ensemble entry's model comes after its members, <model>.<member>, each a model of its own on the same data.
    // A shared member (planned once by the caller, <entry>.<member>) is read by every experiment's ensemble, which
    // takes its own experiment's head from it.
    private static void AddModel(List<ModelPlan> plans, ModelPlan plan, IReadOnlyList<ModelPlan>? shared = null)
    {
        if (plan.Model.Ensemble is not { } ensemble)
        {
            plans.Add(plan);
            return;
        }
        var members = ensemble.Members.Where(m => !m.Shared).Select(m =>
            new ModelPlan($"{plan.Name}.{m.Name}", m.Model, plan.Dataset, (m.Model.Seed ?? plan.Seed) + m.SeedOffset) { MemberOf = plan.Name, SplitSeedOverride = plan.SplitSeed }).ToList();
        plans.AddRange(members);
        var heads = (shared ?? []).Select(s => s.Name).ToList();
        plans.Add(plan with { Ensemble = new EnsemblePlan([.. members.Select(m => m.Name), .. heads]) { Heads = heads.ToHashSet(StringComparer.Ordinal) } });
    }

    private static ResolvedDataset Resolve(DatasetConfig d, string? name, string root, string file = "")
    {
        if (d.Experiments && name is null)
        {
            var names = d.Each ?? Glob(d, root);
            if (names.Count < 2)
                throw new PipelineConfigException(file, 0, 0, $"datasets.{d.Name}.experiments",
                    $"the experiments pattern '{d.EachGlob}' matches {names.Count} experiment(s) for {d.Train} under {root}; a multi-task data set needs at least two");
            var parts = names.Select(n => Resolve(d, n, root)).ToList();
            return parts[0] with { FanOutName = null, Train = null, Validation = null, Test = null, Tracks = [], TaskNames = names, Experiments = parts };
        }
        string? P(string? path) => path is null ? null : Path.GetFullPath(Path.Combine(root, name is null ? path : path.Replace(PipelineLoader.FanOutPlaceholder, name, StringComparison.Ordinal)));
        IReadOnlyList<string> tasks = d.Columns is { } c ? d.Tasks ?? c.Labels : d.Tasks ?? [name ?? d.Name];
        return new ResolvedDataset
        {
            Config = d,
            FanOutName = name,
            Train = P(d.Train),
            Validation = P(d.Validation),
            Test = P(d.Test),
            SingleFile = P(d.SingleFile),
            Tracks = [.. d.Tracks.Select(t => new ResolvedTrack(t, P(t.Train), P(t.Validation), P(t.Test), P(t.SingleFile)))],
            TaskNames = d.TaskType == TaskType.Multiclass && tasks.Count != 1 ? [d.Name] : tasks,
            DataRoot = root,
        };
    }

    // The names that make the first path exist when substituted for {rbp}, with {rbp} matched against a glob (* and ?).
    private static IReadOnlyList<string> Glob(DatasetConfig d, string root)
    {
        var pattern = (d.Train ?? d.SingleFile)!.Replace('\\', '/');
        var segments = pattern.Split('/');
        var at = Array.FindIndex(segments, s => s.Contains(PipelineLoader.FanOutPlaceholder, StringComparison.Ordinal));
        var folder = Path.Combine([root, .. segments[..at]]);
        if (!Directory.Exists(folder)) return [];
        var segment = segments[at];
        var placeholder = segment.IndexOf(PipelineLoader.FanOutPlaceholder, StringComparison.Ordinal);
        var globRegex = "^" + Regex.Escape(segment[..placeholder]) + "(" + Regex.Escape(d.EachGlob!).Replace(@"\*", ".*").Replace(@"\?", ".") + ")"
                        + Regex.Escape(segment[(placeholder + PipelineLoader.FanOutPlaceholder.Length)..]) + "$";
        var regex = new Regex(globRegex, RegexOptions.CultureInvariant);
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var entry in Directory.EnumerateFileSystemEntries(folder))
        {
            var m = regex.Match(Path.GetFileName(entry));
            if (!m.Success || m.Groups[1].Value.Length == 0) continue;
            var candidate = Path.Combine(root, pattern.Replace(PipelineLoader.FanOutPlaceholder, m.Groups[1].Value, StringComparison.Ordinal));
            if (File.Exists(candidate)) names.Add(m.Groups[1].Value);
        }
        return [.. names];
    }
}
