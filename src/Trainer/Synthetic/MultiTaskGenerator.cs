using RbpPipeline.Trainer.Data;
using RbpPipeline.Trainer.Metrics;

namespace RbpPipeline.Trainer.Synthetic;

/// <summary>A protein of a multi-task set: its motif and the region types where a site is actually bound.</summary>
public sealed record BindingProtein(PlantedMotif Motif, IReadOnlyList<string> BoundRegions);

/// <summary>Settings of a multi-task binary set; every value is part of the planted truth.</summary>
public sealed record MultiTaskOptions
{
    public string Name { get; init; } = "multitask";

    public int Count { get; init; } = 8_000;

    public int Length { get; init; } = 101;

    public IReadOnlyList<BindingProtein> Proteins { get; init; } =
    [
        new(PlantedMotif.Pum2(), ["3UTR"]),
        new(PlantedMotif.Qki(), ["intron", "3UTR"]),
        new(PlantedMotif.Hnrnpc(), ["intron"]),
    ];

    /// <summary>Probability that a sequence carries a site of a given protein, independently per protein (labels overlap).</summary>
    public double SiteRate { get; init; } = 0.35;

    /// <summary>
    /// With a region channel, a site only makes its label positive inside the protein's bound regions, so a model
    /// that sees regions can beat one that sees sequence alone. Without it every site is bound.
    /// </summary>
    public bool RegionChannel { get; init; } = true;

    /// <summary>Weights of the region types (in <see cref="RegionTypes.Names"/> order) when drawing a segment's type.</summary>
    public IReadOnlyList<double> RegionWeights { get; init; } = [0.40, 0.10, 0.10, 0.25, 0.15];

    /// <summary>Probability that a sequence is split into two region segments (a boundary inside it).</summary>
    public double BoundaryRate { get; init; } = 0.5;

    /// <summary>Each label is flipped with this probability after the sites decided it.</summary>
    public double LabelFlipRate { get; init; } = 0.01;

    public BaseComposition Background { get; init; } = BaseComposition.Uniform;
}

/// <summary>
/// Several proteins with distinct motifs on the same sequences: task t is positive when a site of protein t lies
/// (by its centre) in one of its bound regions, or anywhere when there is no region channel. The region string
/// is the record's <c>region</c> <see cref="SymbolTrack"/> (codes of <see cref="RegionTypes"/>). A bound site has
/// <see cref="PlantedSite.Effect"/> 1, a site in the wrong region 0.
/// </summary>
public static class MultiTaskGenerator
{
    public const string RegionTrackName = "region";

    public static SyntheticDataset Generate(MultiTaskOptions options, DeterministicRandom random)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(random);
        if (options.RegionWeights.Count != RegionTypes.Names.Count)
            throw new ArgumentException($"RegionWeights needs {RegionTypes.Names.Count} weights ({string.Join(", ", RegionTypes.Names)})");
        var bound = options.Proteins.Select(p => p.BoundRegions.Select(RegionTypes.CodeOf).ToHashSet()).ToArray();
        var composer = new SequenceComposer(options.Proteins.Select(p => p.Motif).ToArray());
        var regionWeights = options.RegionWeights.ToArray();
        var examples = new SyntheticExample[options.Count];
        for (var n = 0; n < options.Count; n++)
        {
            var regions = options.RegionChannel ? DrawRegions(random, options, regionWeights) : null;
            var plans = options.Proteins
                .Where(_ => random.NextBool(options.SiteRate))
                .Select(p => new SitePlan(p.Motif, 0, options.Length))
                .ToArray();
            var (sequence, placed) = composer.Compose(random, options.Length, options.Background, plans);
            var labels = new double[options.Proteins.Count];
            var sites = new List<PlantedSite>();
            foreach (var (motif, start, instance) in placed.OrderBy(s => s.Start))
            {
                var task = TaskOf(options.Proteins, motif);
                var isBound = regions is null || bound[task].Contains(regions[start + (motif.Length - 1) / 2]);
                if (isBound) labels[task] = 1;
                sites.Add(new PlantedSite(motif.Name, start, instance, isBound ? 1 : 0));
            }
            var corrupted = false;
            for (var t = 0; t < labels.Length; t++)
            {
                if (!random.NextBool(options.LabelFlipRate)) continue;
                labels[t] = 1 - labels[t];
                corrupted = true;
            }
            var record = new SequenceRecord($"{options.Name}-{n:D6}", sequence, labels);
            if (regions is not null) record = record.WithTrack(new SymbolTrack(RegionTrackName, regions));
            examples[n] = new SyntheticExample(record, sites, corrupted);
        }
        var parameters = new Dictionary<string, double>
        {
            ["length"] = options.Length,
            ["siteRate"] = options.SiteRate,
            ["regionChannel"] = options.RegionChannel ? 1 : 0,
            ["boundaryRate"] = options.BoundaryRate,
            ["labelFlipRate"] = options.LabelFlipRate,
            ["gc"] = options.Background.Gc,
        };
        for (var i = 0; i < RegionTypes.Names.Count; i++) parameters[$"regionWeight.{RegionTypes.Names[i]}"] = regionWeights[i];
        return new SyntheticDataset(options.Name, TaskKind.Binary, [.. options.Proteins.Select(p => p.Motif.Name)],
            [.. options.Proteins.Select(p => p.Motif)], parameters, examples);
    }

    private static int TaskOf(IReadOnlyList<BindingProtein> proteins, PlantedMotif motif)
    {
        for (var t = 0; t < proteins.Count; t++)
            if (ReferenceEquals(proteins[t].Motif, motif)) return t;
        throw new InvalidOperationException($"motif {motif.Name} belongs to no protein");
    }

    /// <summary>One region type, or two with a boundary at least a fifth of the length from either end.</summary>
    private static string DrawRegions(DeterministicRandom random, MultiTaskOptions options, double[] weights)
    {
        var first = RegionTypes.Codes[random.NextWeighted(weights)];
        if (!random.NextBool(options.BoundaryRate)) return new string(first, options.Length);
        var second = RegionTypes.Codes[random.NextWeighted(weights)];
        var margin = options.Length / 5;
        var boundary = random.NextInt(margin, options.Length - margin);
        return new string(first, boundary) + new string(second, options.Length - boundary);
    }
}
