using RbpPipeline.Trainer.Data;
using RbpPipeline.Trainer.Metrics;

namespace RbpPipeline.Trainer.Synthetic;

/// <summary>Settings of a CLIP-like binary set; every value is part of the planted truth.</summary>
public sealed record ClipLikeOptions
{
    public string Name { get; init; } = "clip-like";

    public int Positives { get; init; } = 2_000;

    /// <summary>Class imbalance: 4 gives the 1:4 ratio of the iDeepS benchmark.</summary>
    public double NegativesPerPositive { get; init; } = 4;

    public int Length { get; init; } = 101;

    public PlantedMotif Motif { get; init; } = PlantedMotif.Pum2();

    /// <summary>Fraction of positives that carry a site; the rest are positives no sequence feature explains.</summary>
    public double PositiveSiteRate { get; init; } = 0.9;

    /// <summary>Fraction of negatives that carry a decoy site (anywhere).</summary>
    public double NegativeSiteRate { get; init; } = 0.05;

    /// <summary>A positive's site centre lies within this many bases of the sequence centre (CLIP peaks are centred).</summary>
    public int CentreWindow { get; init; } = 20;

    public BaseComposition Background { get; init; } = BaseComposition.Uniform;
}

/// <summary>
/// CLIP-like 0/1 data: positives carry one motif site near the centre (with probability PositiveSiteRate),
/// negatives carry at most one decoy site anywhere (NegativeSiteRate). Records come in shuffled order.
/// A positive site has <see cref="PlantedSite.Effect"/> 1, a decoy 0; a positive without a site is marked
/// <see cref="SyntheticExample.LabelCorrupted"/> (its label is not explained by its sequence).
/// </summary>
public static class ClipLikeGenerator
{
    public static SyntheticDataset Generate(ClipLikeOptions options, DeterministicRandom random)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(random);
        var negatives = (int)Math.Round(options.Positives * options.NegativesPerPositive, MidpointRounding.AwayFromZero);
        var labels = Enumerable.Repeat(1, options.Positives).Concat(Enumerable.Repeat(0, negatives)).ToArray();
        random.Shuffle(labels);
        var composer = new SequenceComposer([options.Motif]);
        var motif = options.Motif;
        var centreStart = (options.Length - motif.Length) / 2;
        var examples = new SyntheticExample[labels.Length];
        for (var n = 0; n < labels.Length; n++)
        {
            var positive = labels[n] == 1;
            var hasSite = random.NextBool(positive ? options.PositiveSiteRate : options.NegativeSiteRate);
            List<SitePlan> plans = !hasSite ? []
                : positive ? [new SitePlan(motif, centreStart - options.CentreWindow, centreStart + options.CentreWindow)]
                : [new SitePlan(motif, 0, options.Length)];
            var (sequence, placed) = composer.Compose(random, options.Length, options.Background, plans);
            var sites = placed.Select(s => new PlantedSite(motif.Name, s.Start, s.Instance, positive ? 1 : 0)).ToArray();
            examples[n] = new SyntheticExample(
                new SequenceRecord($"{options.Name}-{n:D6}", sequence, [labels[n]]), sites, LabelCorrupted: positive && !hasSite);
        }
        var parameters = new Dictionary<string, double>
        {
            ["length"] = options.Length,
            ["negativesPerPositive"] = options.NegativesPerPositive,
            ["positiveSiteRate"] = options.PositiveSiteRate,
            ["negativeSiteRate"] = options.NegativeSiteRate,
            ["centreWindow"] = options.CentreWindow,
            ["gc"] = options.Background.Gc,
        };
        return new SyntheticDataset(options.Name, TaskKind.Binary, [motif.Name], [motif], parameters, examples);
    }
}
