namespace RbpPipeline.InferenceServer.Hosting;

/// <summary>
/// Bounds on what one interpretation request may ask for (RESOURCE_EXHAUSTED above them, naming the limit and the
/// value), so a request cannot occupy the server for longer than its client waits. The defaults allow every example
/// in docs/interpretation.md with room to spare; <c>rbp serve</c> sets them with <c>--max-ig-steps</c> and friends.
/// </summary>
public sealed class InterpretationLimits
{
    /// <summary>Integrated-gradients steps (<c>AttributeRequest.steps</c>).</summary>
    public int MaxSteps { get; set; } = 1024;

    /// <summary>Shuffled baselines per sequence (<c>Baseline.samples</c>).</summary>
    public int MaxBaselineSamples { get; set; } = 256;

    /// <summary>Background sequences of a global importance analysis (<c>Background.count</c>).</summary>
    public int MaxBackgrounds { get; set; } = 10_000;

    /// <summary>K-mers of one k-mer scan (4^k; the default allows k ≤ 8).</summary>
    public int MaxKmers { get; set; } = 65_536;

    /// <summary>
    /// Model rows one request may evaluate: sequences × steps × baselines for attribution, sequences × 3 × length for
    /// mutagenesis, backgrounds × (conditions + 1) for global importance. The default lets a 6-mer scan over 1,000
    /// backgrounds through.
    /// </summary>
    public long MaxEvaluations { get; set; } = 10_000_000;
}
