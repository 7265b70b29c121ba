using RbpPipeline.Trainer.Networks;

namespace RbpPipeline.Trainer.Pipeline;

/// <summary>The architectures a pipeline may name (the five of <see cref="Architectures"/> by default; tests add their own).</summary>
public sealed class ArchitectureCatalog(IEnumerable<IArchitecture> architectures)
{
    private readonly IReadOnlyList<IArchitecture> _all = [.. architectures];

    public static ArchitectureCatalog Default { get; } = new(Architectures.All);

    public IReadOnlyList<string> Names => [.. _all.Select(a => a.Name)];

    public IArchitecture? Find(string name) =>
        _all.FirstOrDefault(a => string.Equals(a.Name, name.Trim(), StringComparison.OrdinalIgnoreCase));

    public IArchitecture Get(string name) =>
        Find(name) ?? throw new ArgumentException($"unknown architecture '{name}'{DidYouMean.Suggest(name, Names)} (known: {string.Join(", ", Names)})");
}
