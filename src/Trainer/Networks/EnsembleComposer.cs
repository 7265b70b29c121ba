using System.Text.Json;
using RbpPipeline.Trainer.Networks.Models;
using static TorchSharp.torch;

namespace RbpPipeline.Trainer.Networks;

/// <summary>
/// Builds an <see cref="Ensemble"/> network from trained member networks: the ensemble graph for the members'
/// architectures and hyperparameters, with each member's weights copied in under "members.&lt;i&gt;.".
/// </summary>
public static class EnsembleComposer
{
    /// <param name="members">Trained networks of one shape, in averaging order.</param>
    /// <param name="hyperparameters">Each member's resolved hyperparameters, in the same order.</param>
    /// <param name="provenance">Per member, extra keys recorded beside its architecture (name, seed, checkpoint digest); null = none.</param>
    public static (INetwork Network, IReadOnlyDictionary<string, JsonElement> Hyperparameters) Compose(
        IReadOnlyList<INetwork> members, IReadOnlyList<IReadOnlyDictionary<string, JsonElement>> hyperparameters,
        IReadOnlyList<IReadOnlyDictionary<string, object>>? provenance = null)
    {
        ArgumentNullException.ThrowIfNull(members);
        ArgumentNullException.ThrowIfNull(hyperparameters);
        if (members.Count == 0) throw new ArgumentException("an ensemble needs at least one member", nameof(members));
        if (hyperparameters.Count != members.Count) throw new ArgumentException($"{members.Count} members but {hyperparameters.Count} hyperparameter sets", nameof(hyperparameters));
        var shape = members[0].Shape;
        for (var i = 1; i < members.Count; i++)
            if (!SameShape(members[i].Shape, shape))
                throw new ArgumentException($"ensemble member {i} ({members[i].Architecture}) takes {Describe(members[i].Shape)}, member 0 ({members[0].Architecture}) {Describe(shape)}; members must share inputs and outputs");
        var hp = Ensemble.Hyperparameters(members.Select((m, i) => Ensemble.Member(m.Architecture, hyperparameters[i], provenance?[i])));
        var network = Architectures.Get(ArchitectureKey.Ensemble).Create(shape, hp);
        try
        {
            var state = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            for (var i = 0; i < members.Count; i++)
                foreach (var (name, tensor) in members[i].Module.state_dict())
                    state[$"{Ensemble.Prefix(i)}.{name}"] = tensor;
            using (no_grad()) network.Module.load_state_dict(state, strict: true);
            network.Module.eval();
            return (network, hp);
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    private static bool SameShape(NetworkShape a, NetworkShape b) => a.Tasks == b.Tasks && a.Inputs.SequenceEqual(b.Inputs);

    private static string Describe(NetworkShape s) => $"{string.Join(", ", s.Inputs.Select(i => $"{i.Name} {i.Channels}×{i.Length}"))} → {s.Tasks} output(s)";
}
