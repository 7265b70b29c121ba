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
    ];

    /// <summary>Every architecture, in a fixed order.</summary>
    public static IReadOnlyList<IArchitecture> All => Known;

    public static IReadOnlyList<string> Names => [.. Known.Select(a => a.Name)];

    /// <summary>The architecture called <paramref name="name"/> (case-insensitive).</summary>
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
        architecture = Known.FirstOrDefault(a => string.Equals(a.Name, name?.Trim(), StringComparison.OrdinalIgnoreCase))!;
        return architecture is not null;
    }
}
