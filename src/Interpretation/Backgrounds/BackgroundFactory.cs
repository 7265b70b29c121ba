namespace RbpPipeline.Interpretation.Backgrounds;

/// <summary>The kinds of GIA backgrounds.</summary>
public enum BackgroundKind
{
    /// <summary>Positions drawn independently from the reference set's position-specific base frequencies.</summary>
    Profile,

    /// <summary>Random permutations of reference records.</summary>
    Shuffle,

    /// <summary>Dinucleotide shuffles of reference records.</summary>
    DinucleotideShuffle,

    /// <summary>Records of one quartile of the reference set by measured score, or by prediction.</summary>
    Quartile,

    /// <summary>The reference set itself, used as is.</summary>
    Custom,
}

/// <summary>What backgrounds to make; the defaults are the conventional 1,000 profile samples, unfiltered.</summary>
public sealed record BackgroundSpec(BackgroundKind Kind = BackgroundKind.Profile)
{
    /// <summary>Backgrounds wanted (ignored for <see cref="BackgroundKind.Custom"/>, which keeps the whole set).</summary>
    public int Count { get; init; } = BackgroundSource.DefaultCount;

    public int Seed { get; init; }

    /// <summary>1 (lowest) .. 4, for <see cref="BackgroundKind.Quartile"/>.</summary>
    public int Quartile { get; init; } = 1;

    /// <summary>Measured scores of the reference records; without them quartiles rank by prediction.</summary>
    public IReadOnlyList<double>? ReferenceScores { get; init; }

    /// <summary>Keep only backgrounds whose predictions lie in these percentiles of the background predictions (both null: no filter).</summary>
    public double? MinPercentile { get; init; }

    public double? MaxPercentile { get; init; }

    /// <summary>Candidates a percentile filter may draw (default 20 × Count).</summary>
    public int? MaxCandidates { get; init; }
}

/// <summary>Backgrounds made from a spec, with notes for the report (e.g. what a percentile filter drew).</summary>
public sealed record GeneratedBackgrounds(BackgroundSet Backgrounds, IReadOnlyList<string> Notes, FilteredBackgrounds? Filter);

/// <summary>Makes the backgrounds a <see cref="BackgroundSpec"/> describes, from a reference set.</summary>
public static class BackgroundFactory
{
    public static async Task<GeneratedBackgrounds> CreateAsync(BackgroundSpec spec, BackgroundSet reference, IModelEvaluator evaluator,
        PredictionTarget target, CancellationToken cancellationToken)
    {
        reference.CheckFits(evaluator);
        if (spec.Count <= 0 && spec.Kind != BackgroundKind.Custom)
            throw new ArgumentOutOfRangeException(nameof(spec), $"{spec.Count} backgrounds requested");
        var filtered = spec.MinPercentile is not null || spec.MaxPercentile is not null;
        var (lower, upper) = (spec.MinPercentile ?? 0, spec.MaxPercentile ?? 100);
        var notes = new List<string>();
        if (spec.Kind == BackgroundKind.Custom)
        {
            if (!filtered) return new GeneratedBackgrounds(reference, [$"{reference.Count} custom backgrounds"], null);
            var kept = await PredictionFilter.FilterAsync(reference, lower, upper, evaluator, target, cancellationToken).ConfigureAwait(false);
            return new GeneratedBackgrounds(kept.Backgrounds, [kept.Describe()], kept);
        }
        BackgroundSource source = spec.Kind switch
        {
            BackgroundKind.Profile => new ProfileBackgrounds(reference),
            BackgroundKind.Shuffle => new ShuffledBackgrounds(reference, dinucleotide: false),
            BackgroundKind.DinucleotideShuffle => new ShuffledBackgrounds(reference, dinucleotide: true),
            BackgroundKind.Quartile => await QuartileBackgrounds.CreateAsync(reference, spec.Quartile, spec.ReferenceScores, evaluator, target,
                cancellationToken).ConfigureAwait(false),
            _ => throw new ArgumentOutOfRangeException(nameof(spec), $"background kind {spec.Kind}"),
        };
        if (source is QuartileBackgrounds quartile)
            notes.Add($"quartile {quartile.Quartile} of {reference.Count} reference records by {(spec.ReferenceScores is { Count: > 0 } ? "measured score" : "prediction")}: {quartile.Members.Count} records");
        var random = new Random(spec.Seed);
        if (!filtered)
        {
            var backgrounds = source.Draw(spec.Count, random);
            notes.Add($"{backgrounds.Count} {spec.Kind} backgrounds (seed {spec.Seed})");
            return new GeneratedBackgrounds(backgrounds, notes, null);
        }
        var filter = await PredictionFilter.FilterAsync(source, spec.Count, lower, upper, random, evaluator, target, spec.MaxCandidates,
            cancellationToken).ConfigureAwait(false);
        notes.Add(filter.Describe());
        return new GeneratedBackgrounds(filter.Backgrounds, notes, filter);
    }
}
