using RbpPipeline.Trainer.Networks;
using YamlDotNet.RepresentationModel;

namespace RbpPipeline.Trainer.Pipeline;

/// <summary>Model entries with an <c>ensemble:</c> block (see docs/pipeline-yaml.md, "Ensembles").</summary>
public static partial class PipelineLoader
{
    public static readonly IReadOnlyList<string> EnsembleKeys = ["seeds", "members"];

    public static readonly IReadOnlyList<string> EnsembleMemberKeys = ["architecture", "hyperparameters", "training", "seed", "seeds"];

    private const int MaxEnsembleMembers = 64;

    /// <summary>
    /// <paramref name="entry"/> as read, or, when the entry has an <c>ensemble</c> block, the ensemble model: the
    /// architecture becomes <c>ensemble</c> and the members are read as model entries of their own. A member is the
    /// entry's own mapping with the member's keys laid over it: <c>training</c> key by key, <c>hyperparameters</c>
    /// key by key for the entry's architecture and instead of the entry's for another one, <c>architecture</c> and
    /// <c>seed</c> replaced. So every key a model entry takes (and every check of it) applies to members unchanged.
    /// </summary>
    /// <param name="preset">The entry's preset, whose ensemble (<see cref="ModelPreset.EnsembleSeeds"/>,
    /// <see cref="ModelPreset.EnsembleMembers"/>) is used when the entry has no <c>ensemble</c> block of its own; null for
    /// members, which are single models of the preset.</param>
    private static ModelConfig WithEnsemble(YamlMap map, ModelConfig entry, IReadOnlyDictionary<string, DatasetConfig> datasets, ArchitectureCatalog architectures,
        ModelPreset? preset)
    {
        var block = map.Map("ensemble");
        var presetSeeds = preset?.EnsembleSeeds;
        if (block is null && presetSeeds is null && (preset is null || preset.EnsembleMembers.Count == 0)) return entry;
        var e = block ?? map;
        block?.AllowOnly([.. EnsembleKeys]);
        var members = new List<EnsembleMemberConfig>();
        var seeds = block is null ? presetSeeds : e.Int("seeds", 1, MaxEnsembleMembers);
        var groups = block?.Map("members");
        if (seeds is null && groups is null)
            throw e.Error("an ensemble needs 'seeds' (members of this entry's architecture, one per seed) and/or 'members' (named members with their own settings)");
        var own = new YamlMappingNode();
        foreach (var (k, v) in map.Node.Children)
            if (((YamlScalarNode)k).Value is not ("ensemble" or "executor")) own.Children.Add(k, v);
        var membersPath = e.KeyPath("members");
        // The entry's own architecture as written (with 'heads' the entry itself is already a multihead model, and so is each member).
        // With a preset and no 'architecture' key, the preset's architecture (the entry's as read).
        var ownArchitecture = map.String("architecture") is { } written ? architectures.Get(written).Name : preset?.Architecture ?? entry.Architecture;
        // The entry's own architecture, one member per seed, called after the architecture.
        AddGroup(ownArchitecture, own, seeds ?? 0, e.Get("seeds") ?? e.Node);
        foreach (var group in groups?.Keys ?? [])
        {
            var node = groups!.Get(group) ?? throw groups.Error(groups.KeyNode(group), groups.KeyPath(group), "expected a mapping describing the member, found nothing");
            var m = groups.AsMap(node, groups.KeyPath(group));
            m.AllowOnly([.. EnsembleMemberKeys]);
            if (!SafeName().IsMatch(group))
                throw groups.Error(groups.KeyNode(group), groups.KeyPath(group), $"member name '{group}' may only contain letters, digits, '.', '_' and '-' (it names the member's model)");
            AddGroup(group, Overlay(own, m, ownArchitecture, architectures), m.Int("seeds", 1, MaxEnsembleMembers) ?? 1, groups.KeyNode(group));
        }
        if (block is null)
        {
            var at = map.Get("preset") ?? map.Node;
            foreach (var group in preset!.EnsembleMembers)
            {
                var m = new YamlMap(new YamlMappingNode { { "architecture", group.Architecture } }, map.File, membersPath);
                AddGroup(architectures.Get(group.Architecture).Name, Overlay(own, m, ownArchitecture, architectures), group.Seeds, at);
            }
            // One multi-task model over all the fan-out's experiments, shared by their ensembles (a head each).
            if (datasets[entry.Dataset].FansOut)
                foreach (var group in preset.SharedMembers)
                {
                    var m = new YamlMap(new YamlMappingNode { { "architecture", group.Architecture }, { "heads", "per-task" } }, map.File, membersPath);
                    AddGroup("multitask-" + architectures.Get(group.Architecture).Name, Overlay(own, m, ownArchitecture, architectures), group.Seeds, at, shared: true);
                }
        }
        if (members.Count > MaxEnsembleMembers) throw e.Error($"{members.Count} members; an ensemble takes at most {MaxEnsembleMembers}");
        return entry with
        {
            Architecture = ArchitectureKey.Ensemble.Name,
            Hyperparameters = new Dictionary<string, System.Text.Json.JsonElement>(),
            Ensemble = new EnsembleConfig { Members = members },
        };

        void AddGroup(string group, YamlMappingNode node, int count, YamlNode at, bool shared = false)
        {
            for (var k = 0; k < count; k++)
            {
                var name = count == 1 ? group : $"{group}-{k + 1}";
                if (members.Any(x => x.Name == name))
                    throw e.Error(at, membersPath, $"two members would both be called '{name}' (members of the entry's architecture are named after it); rename the member");
                var holder = new YamlMappingNode { { new YamlScalarNode(name), node } };
                var model = ReadModel(new YamlMap(holder, map.File, membersPath), name, datasets, architectures, member: true);
                members.Add(new EnsembleMemberConfig(name, model with { Name = entry.Name }, (ulong)k) { Shared = shared });
            }
        }
    }

    // The entry's mapping with a member's keys laid over it (the member's nodes keep their own lines for errors).
    private static YamlMappingNode Overlay(YamlMappingNode own, YamlMap member, string entryArchitecture, ArchitectureCatalog architectures)
    {
        var result = new YamlMappingNode();
        foreach (var (k, v) in own.Children) result.Children.Add(k, v);
        var architecture = member.String("architecture") is { } a ? architectures.Find(a)?.Name ?? a : entryArchitecture;
        var sameArchitecture = architecture == entryArchitecture;
        foreach (var (k, v) in member.Node.Children)
        {
            var key = ((YamlScalarNode)k).Value!;
            if (key == "seeds") continue;
            if ((key == "training" || (key == "hyperparameters" && sameArchitecture)) && Find(result, key) is YamlMappingNode inherited && v is YamlMappingNode overrides)
            {
                var merged = new YamlMappingNode();
                foreach (var (ik, iv) in inherited.Children)
                    if (!overrides.Children.Keys.Any(ok => ((YamlScalarNode)ok).Value == ((YamlScalarNode)ik).Value)) merged.Children.Add(ik, iv);
                foreach (var (ok, ov) in overrides.Children) merged.Children.Add(ok, ov);
                Replace(result, k, merged);
            }
            else
            {
                Replace(result, k, v);
            }
        }
        // Another architecture does not take the entry's hyperparameters.
        if (!sameArchitecture && !member.Has("hyperparameters") && Find(result, "hyperparameters") is not null) Remove(result, "hyperparameters");
        return result;
    }

    private static YamlNode? Find(YamlMappingNode node, string key) =>
        node.Children.FirstOrDefault(p => ((YamlScalarNode)p.Key).Value == key).Value;

    private static void Remove(YamlMappingNode node, string key)
    {
        var existing = node.Children.Keys.FirstOrDefault(x => ((YamlScalarNode)x).Value == key);
        if (existing is not null) node.Children.Remove(existing);
    }

    private static void Replace(YamlMappingNode node, YamlNode key, YamlNode value)
    {
        Remove(node, ((YamlScalarNode)key).Value!);
        node.Children.Add(key, value);
    }

    private static void CheckEnsembleKeys(YamlMap map)
    {
        if (map.Get("architecture") is YamlScalarNode { Value: { } a } node && new ArchitectureKey(a.Length == 0 ? "?" : a) == ArchitectureKey.Ensemble)
            throw map.Error(node, map.KeyPath("architecture"),
                "an ensemble is declared with an 'ensemble:' block under an entry of a member architecture (e.g. architecture: residualbind, ensemble: { seeds: 3 })");
        if (map.Has("ensemble") && (map.Has("source") || map.Has("target") || map.Has("adaptation")))
            throw map.Error(map.KeyNode("ensemble"), map.KeyPath("ensemble"), "an RBP-ADDA entry cannot be an ensemble (its two models share one training run)");
    }
}
