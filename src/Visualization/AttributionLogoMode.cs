namespace RbpPipeline.Visualization;

/// <summary>What an <see cref="AttributionLogo"/> draws at each position.</summary>
public enum AttributionLogoMode
{
    /// <summary>
    /// The default: one letter per position, the observed base, as tall as the sum of the position's attributions
    /// over the four channels (up when positive, down when negative). With a non-zero baseline (shuffles,
    /// frequencies) integrated gradients puts mass on the bases the sequence does not have; the sum keeps that
    /// mass, so the column heights still add up to f(x) − f(baseline) (less the convergence delta).
    /// </summary>
    Projected,

    /// <summary>All four channels stacked at each position (up to four letters per column).</summary>
    PerChannel,
}
