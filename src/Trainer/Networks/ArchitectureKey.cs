namespace RbpPipeline.Trainer.Networks;

/// <summary>
/// How code names an architecture: a typed key instead of a string literal. The built-in architectures are static
/// members; a key made from text (pipeline.yaml, a manifest) is trimmed and lower-cased, so keys compare as the
/// names do (case-insensitively). Keys of architectures outside <see cref="Architectures"/> (a test's own) are allowed.
/// </summary>
public readonly record struct ArchitectureKey
{
    private readonly string? _name;

    /// <exception cref="ArgumentException">The name is empty or blank.</exception>
    public ArchitectureKey(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        _name = name.Trim().ToLowerInvariant();
    }

    public static ArchitectureKey ResidualBind { get; } = new("residualbind");

    public static ArchitectureKey IDeepS { get; } = new("ideeps");

    public static ArchitectureKey DeepRiPe { get; } = new("deepripe");

    public static ArchitectureKey MultiResBind { get; } = new("multiresbind");

    /// <summary>RBP-ADDA's composite network (encoder + predictor), what its checkpoints hold.</summary>
    public static ArchitectureKey RbpAdda { get; } = new("rbpadda");

    public static ArchitectureKey RbpAddaEncoder { get; } = new("rbpadda-encoder");

    public static ArchitectureKey RbpAddaPredictor { get; } = new("rbpadda-predictor");

    public static ArchitectureKey RbpAddaDiscriminator { get; } = new("rbpadda-discriminator");

    /// <summary>An ensemble: the mean of its members' raw outputs (what a pipeline entry with <c>ensemble:</c> exports).</summary>
    public static ArchitectureKey Ensemble { get; } = new("ensemble");

    /// <summary>The lower-case name pipeline.yaml and manifests use ("" for the default value).</summary>
    public string Name => _name ?? "";

    public override string ToString() => Name;
}
