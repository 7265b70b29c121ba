using RbpPipeline.Trainer.Data;
using RbpPipeline.Trainer.Metrics;

namespace RbpPipeline.Trainer.Synthetic;

/// <summary>
/// A generated data set together with everything that was planted in it: the motifs (consensus, PWM, effect),
/// the generator's parameters (noise, position decay, rates) and, per example, the exact sites.
/// </summary>
public sealed record SyntheticDataset(
    string Name,
    TaskKind Kind,
    IReadOnlyList<string> TaskNames,
    IReadOnlyList<PlantedMotif> Motifs,
    IReadOnlyDictionary<string, double> Parameters,
    IReadOnlyList<SyntheticExample> Examples)
{
    public IEnumerable<SequenceRecord> Records => Examples.Select(e => e.Record);
}

/// <summary>How much a site's effect shrinks away from the sequence centre (RNAcompete probes bind best mid-probe).</summary>
public static class PositionEffect
{
    /// <summary>
    /// 1 − decay·|c_site − c_seq| / (L/2), with c_site the site's centre (start + (w−1)/2) and c_seq = (L−1)/2:
    /// 1 at the centre, falling linearly towards the ends.
    /// </summary>
    public static double Weight(int start, int motifLength, int sequenceLength, double decay)
    {
        var siteCentre = start + (motifLength - 1) / 2.0;
        var sequenceCentre = (sequenceLength - 1) / 2.0;
        return 1 - decay * Math.Abs(siteCentre - sequenceCentre) / (sequenceLength / 2.0);
    }
}
