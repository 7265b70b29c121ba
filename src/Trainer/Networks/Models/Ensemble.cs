using System.Text.Json;
using RbpPipeline.Trainer.Training;

namespace RbpPipeline.Trainer.Networks.Models;

/// <summary>
/// An ensemble of trained networks as one network: every member reads the same inputs, and the output is the mean of
/// the members' raw outputs (logits for classification tasks, scores for regression).
/// <code>
/// inputs ─┬─ members.0 (its own architecture's graph) → [N, T] → Unsqueeze → [N, 1, T] ─┐
///         ├─ members.1 …                                                                ├─ Concat → [N, M, T] → ReduceMean(axis 1) → [N, T]
///         └─ members.M−1 …                                                              ┘
/// </code>
/// Raw outputs are averaged, not probabilities, so the ensemble keeps the single-model output contract: its
/// probability is the sigmoid (softmax) of its raw output, as for any model, and gradients in logit or probability
/// space mean what they mean for one network. Each member's state is named "members.&lt;i&gt;.&lt;its own name&gt;" (a
/// PyTorch ModuleList's convention), so a member checkpoint's weights load into the ensemble by prefixing them.
/// The one hyperparameter, <c>members</c>, lists each member as a mapping: <c>architecture</c> and its resolved
/// <c>hyperparameters</c> build the member; other keys (name, seed, checkpoint digest) are provenance the manifest
/// carries along.
/// </summary>
public sealed class Ensemble : GraphArchitecture
{
    public const string MembersKey = "members";

    /// <summary>The state-name prefix of member <paramref name="index"/>.</summary>
    public static string Prefix(int index) => $"{MembersKey}.{index}";

    public override string Name => ArchitectureKey.Ensemble.Name;

    public override string Description => "Ensemble: the mean of its members' raw outputs (members trained separately)";

    public override IReadOnlyList<HyperparameterSpec> HyperparameterSpecs { get; } =
    [
        HyperparameterSpec.Objects(MembersKey, "the members: each { architecture, hyperparameters, … } in output-averaging order"),
    ];

    // An ensemble is assembled from trained members, not trained; these only serve evaluation's loss figure.
    public override TrainingDefaults Training { get; } = new() { LearningRate = 1e-3, BatchSize = 128, Epochs = 1, Loss = LossKind.Bce };

    /// <summary>One member as the <c>members</c> hyperparameter records it.</summary>
    public static JsonElement Member(string architecture, IReadOnlyDictionary<string, JsonElement> hyperparameters, IReadOnlyDictionary<string, object>? provenance = null)
    {
        var member = new SortedDictionary<string, object>(StringComparer.Ordinal)
        {
            ["architecture"] = architecture,
            ["hyperparameters"] = hyperparameters.OrderBy(p => p.Key, StringComparer.Ordinal).ToDictionary(p => p.Key, p => p.Value),
        };
        foreach (var (k, v) in provenance ?? new Dictionary<string, object>()) member[k] = v;
        return JsonSerializer.SerializeToElement(member);
    }

    /// <summary>The <c>members</c> hyperparameter for these members.</summary>
    public static IReadOnlyDictionary<string, JsonElement> Hyperparameters(IEnumerable<JsonElement> members) =>
        new Dictionary<string, JsonElement>(StringComparer.Ordinal) { [MembersKey] = JsonSerializer.SerializeToElement(members.ToArray()) };

    /// <summary>Each member's architecture and hyperparameters, checked.</summary>
    public static IReadOnlyList<(IArchitecture Architecture, IReadOnlyDictionary<string, JsonElement> Hyperparameters)> Members(IReadOnlyDictionary<string, JsonElement> hyperparameters)
    {
        var list = new List<(IArchitecture, IReadOnlyDictionary<string, JsonElement>)>();
        if (!hyperparameters.TryGetValue(MembersKey, out var members)) return list;
        var i = 0;
        foreach (var member in members.EnumerateArray())
        {
            if (!member.TryGetProperty("architecture", out var a) || a.ValueKind != JsonValueKind.String)
                throw new ArgumentException($"ensemble member {i} has no 'architecture' (text)");
            var architecture = Architectures.Get(a.GetString()!);
            if (architecture.Key == ArchitectureKey.Ensemble) throw new ArgumentException($"ensemble member {i} is itself an ensemble; list its members instead");
            var hp = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
            if (member.TryGetProperty("hyperparameters", out var h))
            {
                if (h.ValueKind != JsonValueKind.Object) throw new ArgumentException($"ensemble member {i} ({architecture.Name}): 'hyperparameters' must be a mapping, got {h.ValueKind}");
                foreach (var p in h.EnumerateObject()) hp[p.Name] = p.Value.Clone();
            }
            list.Add((architecture, hp));
            i++;
        }
        return list;
    }

    protected override NetworkGraph Build(NetworkShape shape, Hyperparameters hp)
    {
        var members = Members(new Dictionary<string, JsonElement> { [MembersKey] = JsonSerializer.SerializeToElement(hp.Objects(MembersKey)) });
        if (members.Count == 0) throw new ArgumentException($"{Name} needs at least one member (hyperparameter '{MembersKey}' is empty)");
        var b = new GraphBuilder();
        var inputs = shape.Inputs.ToDictionary(i => i.Name, b.Input, StringComparer.Ordinal);
        var outputs = new List<NodeHandle>();
        for (var i = 0; i < members.Count; i++)
        {
            var (architecture, memberHp) = members[i];
            NetworkGraph graph;
            try { graph = architecture.BuildGraph(shape, memberHp); }
            catch (ArgumentException e) { throw new ArgumentException($"{Name} member {i} ({architecture.Name}): {e.Message}", e); }
            outputs.Add(b.Unsqueeze(b.Embed(graph, Prefix(i), inputs), 1, $"{Prefix(i)}.stack"));
        }
        var stacked = b.Concat(1, outputs, "stack");
        return b.Build(b.Reduce(stacked, ReduceOp.Mean, 1, "mean"), "logits");
    }
}
