using RbpPipeline.Contracts.Manifests;
using YamlDotNet.RepresentationModel;

namespace RbpPipeline.Trainer.Pipeline;

/// <summary>Data sets with <c>experiments:</c>, and model entries with <c>heads:</c> (docs/pipeline-yaml.md, "A folder of experiments").</summary>
public static partial class PipelineLoader
{
    public static readonly IReadOnlyList<string> HeadsKeys = ["features", "hidden"];

    /// <summary>The experiments' names (a list) or glob; (null, null) when the data set has no <c>experiments</c>.</summary>
    private static (List<string>? Names, string? Glob) ReadExperiments(YamlMap map, TaskType taskType, IReadOnlyList<string>? tasks, IEnumerable<string?> paths)
    {
        if (map.Get("experiments") is not { } node) return (null, null);
        var key = map.KeyPath("experiments");
        if (map.Has("each"))
            throw map.Error(node, key, "give 'each' (one model per name) or 'experiments' (one multi-task model, a task per name), not both");
        if (tasks is not null)
            throw map.Error(map.Get("tasks")!, map.KeyPath("tasks"), "with 'experiments', the tasks are the experiments (named after them); leave 'tasks' out");
        if (taskType == TaskType.Multiclass)
            throw map.Error(node, key, "'experiments' takes binary or regression data (one label per record, for its own experiment)");
        if (map.Has("file"))
            throw map.Error(map.KeyNode("file"), map.KeyPath("file"), "'experiments' reads each experiment's 'train' and 'test' files; a single 'file' is not supported here");
        if (paths.OfType<string>().FirstOrDefault(p => !p.Contains(FanOutPlaceholder, StringComparison.Ordinal)) is { } fixedPath)
            throw map.Error(node, key, $"with 'experiments', every path must contain {FanOutPlaceholder} (the experiment's name); '{fixedPath}' does not");
        if (node is YamlScalarNode) return (null, map.AsString(node, key));
        var names = map.Strings("experiments")!.Select(e => e.Value).ToList();
        if (names.Count < 2) throw map.Error(node, key, $"a multi-task data set needs at least two experiments, got {names.Count}");
        if (names.Distinct(StringComparer.Ordinal).Count() != names.Count) throw map.Error(node, key, "an experiment is listed twice");
        return (names, null);
    }

    /// <summary>
    /// <paramref name="entry"/>, or with <c>heads:</c> a <c>multihead</c> model whose trunk is the entry's architecture
    /// and hyperparameters; its training settings are the trunk's defaults under the entry's own.
    /// </summary>
    /// <param name="headsByDefault">True for a preset's entry on a folder of experiments: without a <c>heads</c> key
    /// it gets the default heads (the preset's recipe is a multi-task model there).</param>
    private static ModelConfig WithHeads(YamlMap map, ModelConfig entry, ArchitectureCatalog architectures, bool headsByDefault = false)
    {
        var node = map.Get("heads");
        if (node is null && !headsByDefault) return entry;
        node ??= map.Node;
        var heads = node is YamlScalarNode s && s.Value == "per-task" || !map.Has("heads") ? null : map.AsMap(node, map.KeyPath("heads"));
        heads?.AllowOnly([.. HeadsKeys]);
        var trunk = architectures.Get(entry.Architecture);
        if (trunk.Key == Networks.ArchitectureKey.RbpAdda)
            throw map.Error(node, map.KeyPath("heads"), "'heads' does not apply to an RBP-ADDA entry");
        var features = heads?.Int("features", 1, 65_536) ?? 64;
        var hidden = heads?.Int("hidden", 0, 65_536) ?? 32;
        var d = trunk.Training;
        var t = entry.Training;
        return entry with
        {
            Architecture = Networks.ArchitectureKey.MultiHead.Name,
            Hyperparameters = Networks.Models.MultiHead.Hyperparameters(trunk.Name, entry.Hyperparameters, features, hidden),
            Training = t with
            {
                Optimizer = t.Optimizer ?? d.Optimizer,
                LearningRate = t.LearningRate ?? d.LearningRate,
                WeightDecay = t.WeightDecay ?? d.WeightDecay,
                BatchSize = t.BatchSize ?? d.BatchSize,
                Epochs = t.Epochs ?? d.Epochs,
                EarlyStopping = t.EarlyStopping ?? d.EarlyStoppingPatience,
                LrDecayFactor = t.LrDecayFactor ?? d.LrDecayFactor,
                LrDecayPatience = t.LrDecayPatience ?? d.LrDecayPatience,
            },
            LabelTransforms = entry.LabelTransforms ?? d.LabelTransforms,
        };
    }
}
