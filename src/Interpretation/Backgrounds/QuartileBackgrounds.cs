namespace RbpPipeline.Interpretation.Backgrounds;

/// <summary>
/// Backgrounds drawn from one quartile of the reference set ranked by score: measured scores (e.g. binding
/// intensities), or the model's predictions when none are measured. Quartile 1 is the lowest-scoring quarter:
/// after a stable ascending sort, quartile q holds ranks [⌊(q−1)·n/4⌋, ⌊q·n/4⌋). Draws go through the members in
/// a random order without repeats, and start a fresh random order when more backgrounds than members are asked for.
/// </summary>
public sealed class QuartileBackgrounds : BackgroundSource
{
    private readonly int[] _members;

    private QuartileBackgrounds(BackgroundSet reference, IReadOnlyList<double> scores, int quartile) : base(reference)
    {
        if (quartile is < 1 or > 4) throw new ArgumentOutOfRangeException(nameof(quartile), $"quartile {quartile}; expected 1..4");
        if (scores.Count != reference.Count)
            throw new ArgumentException($"{scores.Count} scores for {reference.Count} reference records");
        for (var i = 0; i < scores.Count; i++)
            if (double.IsNaN(scores[i])) throw new ArgumentException($"the score of reference record {i} is NaN");
        var n = reference.Count;
        var ranked = Enumerable.Range(0, n).OrderBy(i => scores[i]).ToArray();
        var from = (quartile - 1) * n / 4;
        var to = quartile * n / 4;
        if (to == from) throw new ArgumentException($"a reference set of {n} records has no quartile {quartile}; give at least 4 records");
        _members = ranked[from..to];
        Quartile = quartile;
        Scores = [.. scores];
    }

    public int Quartile { get; }

    /// <summary>The scores the reference set was ranked by (measured or predicted).</summary>
    public IReadOnlyList<double> Scores { get; }

    /// <summary>Indices of the reference records in the quartile, lowest score first.</summary>
    public IReadOnlyList<int> Members => _members;

    /// <summary>Quartile <paramref name="quartile"/> (1 = lowest) of <paramref name="reference"/> by measured <paramref name="scores"/>.</summary>
    public static QuartileBackgrounds ByScore(BackgroundSet reference, IReadOnlyList<double> scores, int quartile) =>
        new(reference, scores, quartile);

    /// <summary>Quartile <paramref name="quartile"/> of <paramref name="reference"/> by the model's predicted target.</summary>
    public static async Task<QuartileBackgrounds> ByPredictionAsync(BackgroundSet reference, int quartile, IModelEvaluator evaluator,
        PredictionTarget target, CancellationToken cancellationToken)
    {
        var scores = await reference.ScoreAsync(evaluator, target, cancellationToken).ConfigureAwait(false);
        return new QuartileBackgrounds(reference, scores, quartile);
    }

    /// <summary>By <paramref name="measuredScores"/> when given, otherwise by the model's predictions.</summary>
    public static async Task<QuartileBackgrounds> CreateAsync(BackgroundSet reference, int quartile, IReadOnlyList<double>? measuredScores,
        IModelEvaluator evaluator, PredictionTarget target, CancellationToken cancellationToken) =>
        measuredScores is { Count: > 0 }
            ? ByScore(reference, measuredScores, quartile)
            : await ByPredictionAsync(reference, quartile, evaluator, target, cancellationToken).ConfigureAwait(false);

    public override BackgroundSet Draw(int count, Random random)
    {
        CheckCount(count);
        var picks = new int[count];
        var order = (int[])_members.Clone();
        for (var filled = 0; filled < count; filled += order.Length)
        {
            random.Shuffle(order);
            order.AsSpan(0, Math.Min(order.Length, count - filled)).CopyTo(picks.AsSpan(filled));
        }
        return Reference.Select(picks);
    }
}
