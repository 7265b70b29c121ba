namespace RbpPipeline.Interpretation.Backgrounds;

/// <summary>Backgrounds kept by a percentile filter on their predictions, with the bookkeeping a report needs.</summary>
/// <param name="Backgrounds">The kept backgrounds, in the order they were drawn.</param>
/// <param name="Scores">Their predicted targets, f(background).</param>
/// <param name="LowerBound">The target value at the lower percentile of the first candidate pool.</param>
/// <param name="UpperBound">The target value at the upper percentile of the first candidate pool.</param>
/// <param name="CandidatesDrawn">Candidates generated and predicted in all.</param>
/// <param name="Requested">Backgrounds asked for; <see cref="BackgroundSet.Count"/> of <paramref name="Backgrounds"/> is smaller when the cap was hit.</param>
public sealed record FilteredBackgrounds(BackgroundSet Backgrounds, IReadOnlyList<double> Scores, double LowerBound, double UpperBound,
    int CandidatesDrawn, int Requested)
{
    public int Kept => Backgrounds.Count;

    /// <summary>A one-line account for notes: bounds, candidates drawn and kept.</summary>
    public string Describe() =>
        $"kept {Kept} of {CandidatesDrawn} candidate backgrounds with predictions in [{LowerBound:G6}, {UpperBound:G6}]" +
        (Kept < Requested ? $" ({Requested} requested; the candidate cap was reached)" : "");
}

/// <summary>
/// Keeps only backgrounds whose predictions lie between two percentiles of the background prediction
/// distribution (e.g. 0–50 %: backgrounds the model already scores low, so an embedded motif's effect is not
/// masked by existing sites). The bounds are the percentiles (linear interpolation between order statistics) of a
/// first pool of <c>count</c> candidates; candidates inside the bounds are kept in draw order. While fewer than
/// <c>count</c> are kept, further pools are drawn, each sized by the acceptance rate seen so far, until
/// <c>count</c> are kept or <c>maxCandidates</c> (default 20 × count) have been drawn; the result says how many.
/// </summary>
public static class PredictionFilter
{
    public static async Task<FilteredBackgrounds> FilterAsync(BackgroundSource source, int count, double lowerPercentile,
        double upperPercentile, Random random, IModelEvaluator evaluator, PredictionTarget target, int? maxCandidates,
        CancellationToken cancellationToken)
    {
        CheckPercentiles(lowerPercentile, upperPercentile);
        if (count <= 0) throw new ArgumentOutOfRangeException(nameof(count), $"{count} backgrounds requested");
        var cap = maxCandidates ?? 20 * count;
        if (cap < count) throw new ArgumentOutOfRangeException(nameof(maxCandidates), $"a cap of {cap} candidates cannot yield {count} backgrounds");

        var first = source.Draw(count, random);
        var firstScores = await first.ScoreAsync(evaluator, target, cancellationToken).ConfigureAwait(false);
        var (lower, upper) = Bounds(firstScores, lowerPercentile, upperPercentile);
        var kept = new List<BackgroundSet>();
        var keptScores = new List<double>();
        Keep(first, firstScores);
        var drawn = count;
        while (keptScores.Count < count && drawn < cap)
        {
            // Size the next pool by the acceptance so far (at least 1 %), so a narrow window needs few rounds.
            var rate = Math.Max(0.01, (double)keptScores.Count / drawn);
            var next = (int)Math.Min(cap - drawn, Math.Ceiling((count - keptScores.Count) / rate * 1.1));
            var pool = source.Draw(next, random);
            var scores = await pool.ScoreAsync(evaluator, target, cancellationToken).ConfigureAwait(false);
            drawn += next;
            Keep(pool, scores);
        }
        var result = kept.Count == 0 ? first.Select([]) : BackgroundSet.Concatenate(kept);
        return new FilteredBackgrounds(result, keptScores, lower, upper, drawn, count);

        void Keep(BackgroundSet pool, double[] scores)
        {
            var picks = new List<int>();
            for (var i = 0; i < pool.Count && keptScores.Count < count; i++)
            {
                if (scores[i] < lower || scores[i] > upper) continue;
                picks.Add(i);
                keptScores.Add(scores[i]);
            }
            if (picks.Count > 0) kept.Add(pool.Select(picks));
        }
    }

    /// <summary>Filters a fixed candidate set (a custom background set): bounds from all of it, nothing more drawn.</summary>
    public static async Task<FilteredBackgrounds> FilterAsync(BackgroundSet candidates, double lowerPercentile, double upperPercentile,
        IModelEvaluator evaluator, PredictionTarget target, CancellationToken cancellationToken)
    {
        CheckPercentiles(lowerPercentile, upperPercentile);
        if (candidates.Count == 0) throw new ArgumentException("no candidate backgrounds");
        var scores = await candidates.ScoreAsync(evaluator, target, cancellationToken).ConfigureAwait(false);
        var (lower, upper) = Bounds(scores, lowerPercentile, upperPercentile);
        var picks = Enumerable.Range(0, candidates.Count).Where(i => scores[i] >= lower && scores[i] <= upper).ToArray();
        return new FilteredBackgrounds(candidates.Select(picks), [.. picks.Select(i => scores[i])], lower, upper, candidates.Count, candidates.Count);
    }

    /// <summary>The <paramref name="percent"/>-th percentile of <paramref name="values"/>, interpolating linearly between order statistics.</summary>
    public static double Percentile(IReadOnlyList<double> values, double percent)
    {
        if (values.Count == 0) throw new ArgumentException("no values");
        var sorted = values.Order().ToArray();
        var rank = (sorted.Length - 1) * percent / 100;
        var below = (int)Math.Floor(rank);
        var above = Math.Min(below + 1, sorted.Length - 1);
        return sorted[below] + (rank - below) * (sorted[above] - sorted[below]);
    }

    private static (double Lower, double Upper) Bounds(double[] scores, double lowerPercentile, double upperPercentile) =>
        (Percentile(scores, lowerPercentile), Percentile(scores, upperPercentile));

    private static void CheckPercentiles(double lower, double upper)
    {
        if (!(lower >= 0 && lower < upper && upper <= 100))
            throw new ArgumentOutOfRangeException(nameof(upper), $"percentiles {lower}–{upper}; expected 0 ≤ lower < upper ≤ 100");
    }
}
