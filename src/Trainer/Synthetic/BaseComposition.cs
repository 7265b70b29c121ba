namespace RbpPipeline.Trainer.Synthetic;

/// <summary>Background base probabilities (A, C, G, U) between planted sites.</summary>
public sealed record BaseComposition(double A, double C, double G, double U)
{
    public static BaseComposition Uniform { get; } = new(0.25, 0.25, 0.25, 0.25);

    /// <summary>G+C at <paramref name="gc"/>, split evenly; A and U share the rest.</summary>
    public static BaseComposition WithGc(double gc)
    {
        if (gc is <= 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(gc), gc, "GC content must be in (0, 1)");
        return new((1 - gc) / 2, gc / 2, gc / 2, (1 - gc) / 2);
    }

    public double Gc => C + G;

    internal double[] Weights() => [A, C, G, U];
}
