using System.Text.Json;
using RbpPipeline.Trainer.Training;

namespace RbpPipeline.Trainer.Networks.Models;

/// <summary>
/// A shared trunk with one head per output column (per task, for binary and regression tasks): the multi-task
/// network of a data folder of CLIP experiments, where each sequence is labelled for its own experiment only.
/// <code>
/// inputs ─► trunk: another architecture's whole graph, its output layer giving `features` units ─► ReLU = shared features [N, F]
///        ─► heads.0: hidden Linear F→H ─► ReLU ─► output Linear H→1 ─┐
///        ─► heads.1: …                                                 ├─► Concat ─► [N, T]
///        ─► heads.T−1: …                                               ┘
/// </code>
/// A head is a small MLP of its own (hidden 0: one Linear F→1) that only its task's labels train: with masked losses
/// (missing labels left out) an experiment's records move the trunk and their own head, never another head. This
/// differs from a shared dense layer with T output columns, where every task reads the same last hidden layer.
/// Hyperparameters: <c>trunk</c> { architecture, hyperparameters }, <c>features</c>, <c>hidden</c>.
/// </summary>
public sealed class MultiHead : GraphArchitecture
{
    public const string TrunkKey = "trunk";

    public override string Name => ArchitectureKey.MultiHead.Name;

    public override string Description => "Multi-head: a shared trunk (another architecture) with one small MLP head per output column";

    public override IReadOnlyList<HyperparameterSpec> HyperparameterSpecs { get; } =
    [
        HyperparameterSpec.Mapping(TrunkKey, "the trunk: { architecture, hyperparameters } of a built-in architecture, its output layer sized to 'features'"),
        HyperparameterSpec.Int("features", 64, "units of the trunk's output layer: the shared features every head reads"),
        HyperparameterSpec.Int("hidden", 32, "hidden units of each head (0: a head is one Linear)", 0),
    ];

    // The pipeline fills a multi-head model's training settings from its trunk's defaults; these apply to direct use only.
    public override TrainingDefaults Training { get; } = new() { LearningRate = 1e-3, BatchSize = 128, Epochs = 20, EarlyStoppingPatience = 5, Loss = LossKind.Bce };

    /// <summary>The hyperparameters of a multi-head network on <paramref name="trunk"/>.</summary>
    public static IReadOnlyDictionary<string, JsonElement> Hyperparameters(string trunk, IReadOnlyDictionary<string, JsonElement> trunkHyperparameters, int features, int hidden) =>
        new Dictionary<string, JsonElement>(StringComparer.Ordinal)
        {
            [TrunkKey] = JsonSerializer.SerializeToElement(new SortedDictionary<string, object>(StringComparer.Ordinal)
            {
                ["architecture"] = trunk,
                ["hyperparameters"] = trunkHyperparameters.OrderBy(p => p.Key, StringComparer.Ordinal).ToDictionary(p => p.Key, p => p.Value),
            }),
            ["features"] = JsonSerializer.SerializeToElement(features),
            ["hidden"] = JsonSerializer.SerializeToElement(hidden),
        };

    /// <summary>The trunk's architecture and hyperparameters, checked.</summary>
    public static (IArchitecture Architecture, IReadOnlyDictionary<string, JsonElement> Hyperparameters) Trunk(JsonElement trunk)
    {
        if (!trunk.TryGetProperty("architecture", out var a) || a.ValueKind != JsonValueKind.String)
            throw new ArgumentException("multihead: the trunk has no 'architecture' (text)");
        var architecture = Architectures.Get(a.GetString()!);
        if (architecture.Key == ArchitectureKey.MultiHead || architecture.Key == ArchitectureKey.Ensemble)
            throw new ArgumentException($"multihead: the trunk cannot be a {architecture.Name} network");
        var hp = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        if (trunk.TryGetProperty("hyperparameters", out var h))
        {
            if (h.ValueKind != JsonValueKind.Object) throw new ArgumentException($"multihead: the trunk's 'hyperparameters' must be a mapping, got {h.ValueKind}");
            foreach (var p in h.EnumerateObject()) hp[p.Name] = p.Value.Clone();
        }
        return (architecture, hp);
    }

    protected override NetworkGraph Build(NetworkShape shape, Hyperparameters hp)
    {
        var (architecture, trunkHp) = Trunk(hp.Object(TrunkKey));
        var features = hp.Int("features");
        var hidden = hp.Int("hidden");
        NetworkGraph trunk;
        try { trunk = architecture.BuildGraph(shape with { Tasks = features }, trunkHp); }
        catch (ArgumentException e) { throw new ArgumentException($"{Name} trunk ({architecture.Name}): {e.Message}", e); }
        var b = new GraphBuilder();
        var inputs = shape.Inputs.ToDictionary(i => i.Name, b.Input, StringComparer.Ordinal);
        var shared = b.Relu(b.Embed(trunk, TrunkKey, inputs), "trunk.features");
        var heads = new List<NodeHandle>();
        for (var t = 0; t < shape.Tasks; t++)
        {
            var x = shared;
            if (hidden > 0) x = b.Relu(b.Linear(x, $"heads.{t}.hidden", hidden));
            heads.Add(b.Linear(x, $"heads.{t}.output", 1));
        }
        return b.Build(b.Concat(1, heads, "heads"), "logits");
    }
}
