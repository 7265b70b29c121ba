using RbpPipeline.Trainer.Networks.Models;

namespace RbpPipeline.Trainer.Networks;

/// <summary>The architectures by name, as pipeline.yaml and manifests spell them.</summary>
public static class Architectures
{
    private static readonly IReadOnlyList<GraphArchitecture> Known =
    [
        new ResidualBind(),
        new IDeepS(),
        new DeepRiPe(),
        new MultiResBind(),
        new RbpAdda(),
        new RbpAddaEncoder(),
        new RbpAddaPredictor(),
        new RbpAddaDiscriminator(),
        new Ensemble(),
    ];

    /// <summary>Every architecture, in a fixed order.</summary>
    public static IReadOnlyList<IArchitecture> All => Known;

    public static IReadOnlyList<string> Names => [.. Known.Select(a => a.Name)];

    /// <summary>A built-in architecture by its key.</summary>
    /// <exception cref="ArgumentException">No built-in architecture has this key.</exception>
    public static IArchitecture Get(ArchitectureKey key) => Get(key.Name);

    /// <summary>The architecture called <paramref name="name"/> (case-insensitive): text from pipeline.yaml or a manifest.</summary>
    /// <exception cref="ArgumentException">Unknown name; the message lists the known ones and suggests the closest.</exception>
    public static IArchitecture Get(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return TryGet(name, out var found)
            ? found
            : throw new ArgumentException(
                $"unknown architecture '{name}'{DidYouMean.Suggest(name.Trim(), Names)} (known: {string.Join(", ", Names)})", nameof(name));
    }

    public static bool TryGet(string name, out IArchitecture architecture)
    {
        var key = string.IsNullOrWhiteSpace(name) ? default : new ArchitectureKey(name);
        architecture = Known.FirstOrDefault(a => a.Key == key)!;
        return architecture is not null;
    }
}
