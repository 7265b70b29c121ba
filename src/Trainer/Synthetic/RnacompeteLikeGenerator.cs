using RbpPipeline.Trainer.Data;
using RbpPipeline.Trainer.Metrics;

namespace RbpPipeline.Trainer.Synthetic;

/// <summary>Settings of an RNAcompete-like regression set; every value is part of the planted truth.</summary>
public sealed record RnacompeteLikeOptions
{
    public string Name { get; init; } = "rnacompete-like";

    public int Count { get; init; } = 20_000;

    public int MinLength { get; init; } = 41;

    public int MaxLength { get; init; } = 41;

    /// <summary>Each motif's <see cref="PlantedMotif.Effect"/> is the score one centred site adds.</summary>
    public IReadOnlyList<PlantedMotif> Motifs { get; init; } = [PlantedMotif.Pum2(2.0), PlantedMotif.Qki(1.0)];

    /// <summary>P(0 sites), P(1 site), ... of each motif per probe, drawn independently per motif.</summary>
    public IReadOnlyList<double> SiteCountProbabilities { get; init; } = [0.55, 0.30, 0.15];

    /// <summary>See <see cref="PositionEffect.Weight"/>.</summary>
    public double PositionDecay { get; init; } = 0.3;

    public double Intercept { get; init; }

    public double NoiseSd { get; init; } = 0.5;

    public BaseComposition Background { get; init; } = BaseComposition.Uniform;

    /// <summary>Fraction of probes whose score is replaced by Intercept + N(0, <see cref="LabelNoiseSd"/>), ignoring the sites.</summary>
    public double LabelNoiseRate { get; init; }

    public double LabelNoiseSd { get; init; } = 2.0;
}

/// <summary>
/// Probes with score = Intercept + Σ_sites effect(motif)·PositionEffect.Weight(site) + N(0, NoiseSd²): site effects
/// add up exactly, so two sites of a motif are worth twice one (at equal positions). Each site's
/// <see cref="PlantedSite.Effect"/> is its exact contribution.
/// </summary>
public static class RnacompeteLikeGenerator
{
    public static SyntheticDataset Generate(RnacompeteLikeOptions options, DeterministicRandom random)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(random);
        if (options.MinLength < 1 || options.MaxLength < options.MinLength)
            throw new ArgumentException($"invalid length range [{options.MinLength}, {options.MaxLength}]");
        var composer = new SequenceComposer(options.Motifs);
        var countWeights = options.SiteCountProbabilities.ToArray();
        var examples = new SyntheticExample[options.Count];
        for (var n = 0; n < options.Count; n++)
        {
            var length = random.NextInt(options.MinLength, options.MaxLength);
            var plans = new List<SitePlan>();
            foreach (var motif in options.Motifs)
            {
                var count = random.NextWeighted(countWeights);
                for (var k = 0; k < count; k++) plans.Add(new SitePlan(motif, 0, length));
            }
            var (sequence, placed) = composer.Compose(random, length, options.Background, plans);
            var sites = placed
                .OrderBy(s => s.Start)
                .Select(s => new PlantedSite(s.Motif.Name, s.Start, s.Instance,
                    s.Motif.Effect * PositionEffect.Weight(s.Start, s.Motif.Length, length, options.PositionDecay)))
                .ToArray();
            var score = options.Intercept + sites.Sum(s => s.Effect) + options.NoiseSd * random.NextGaussian();
            var corrupted = options.LabelNoiseRate > 0 && random.NextBool(options.LabelNoiseRate);
            if (corrupted) score = options.Intercept + options.LabelNoiseSd * random.NextGaussian();
            examples[n] = new SyntheticExample(new SequenceRecord($"{options.Name}-{n:D6}", sequence, [score]), sites, corrupted);
        }
        var parameters = new Dictionary<string, double>
        {
            ["minLength"] = options.MinLength,
            ["maxLength"] = options.MaxLength,
            ["positionDecay"] = options.PositionDecay,
            ["intercept"] = options.Intercept,
            ["noiseSd"] = options.NoiseSd,
            ["labelNoiseRate"] = options.LabelNoiseRate,
            ["labelNoiseSd"] = options.LabelNoiseSd,
            ["gc"] = options.Background.Gc,
        };
        return new SyntheticDataset(options.Name, TaskKind.Regression, ["score"], options.Motifs, parameters, examples);
    }
}
