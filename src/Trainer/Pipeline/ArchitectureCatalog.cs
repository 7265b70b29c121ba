using RbpPipeline.Trainer.Networks;

namespace RbpPipeline.Trainer.Pipeline;

/// <summary>The architectures a pipeline may name (the five of <see cref="Architectures"/> by default; tests add their own).</summary>
public sealed class ArchitectureCatalog(IEnumerable<IArchitecture> architectures)
{
    private readonly IReadOnlyList<IArchitecture> _all = [.. architectures];

    public static ArchitectureCatalog Default { get; } = new(Architectures.All);

    public IReadOnlyList<string> Names => [.. _all.Select(a => a.Name)];

    /// <summary>The architecture with this key, or null.</summary>
    public IArchitecture? Find(ArchitectureKey key) => _all.FirstOrDefault(a => a.Key == key);

    /// <summary>The architecture named by text (pipeline.yaml, a manifest; case-insensitive), or null.</summary>
    public IArchitecture? Find(string name) => string.IsNullOrWhiteSpace(name) ? null : Find(new ArchitectureKey(name));

    /// <exception cref="ArgumentException">No architecture has this key; the message lists the known ones.</exception>
    public IArchitecture Get(ArchitectureKey key) => Find(key) ?? throw Unknown(key.Name);

    /// <exception cref="ArgumentException">No architecture has this name; the message suggests the closest.</exception>
    public IArchitecture Get(string name) => Find(name) ?? throw Unknown(name);

    private ArgumentException Unknown(string name) =>
        new($"unknown architecture '{name}'{DidYouMean.Suggest(name, Names)} (known: {string.Join(", ", Names)})");
}
