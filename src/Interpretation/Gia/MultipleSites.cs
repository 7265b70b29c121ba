using RbpPipeline.Interpretation.Sequences;

namespace RbpPipeline.Interpretation.Gia;

/// <summary>The multiple-sites experiment: 1..n copies of a pattern against the additive expectation.</summary>
public static class MultipleSites
{
    /// <summary>
    /// 1..n copies of <paramref name="pattern"/>: copy i at <paramref name="positions"/>[i], cumulatively (count c
    /// embeds copies 1..c), each count against the additive expectation c × GI(one copy).
    /// </summary>
    public static async Task<MultipleSitesResult> MultipleSitesAsync(this GlobalImportanceAnalysis analysis, string pattern,
        IReadOnlyList<int> positions, CancellationToken cancellationToken)
    {
        if (positions.Count == 0) throw new ArgumentException("no positions for the copies");
        var codes = Patterns.Parse(pattern);
        var text = NucleotideCodes.ToString(codes);
        foreach (var position in positions) Patterns.CheckFits(text, codes.Length, position, analysis.Backgrounds.Length);
        var table = analysis.NewConditions();
        var counts = new List<(int Copies, ConditionHandle Condition)>();
        for (var copies = 1; copies <= positions.Count; copies++)
        {
            var placements = positions.Take(copies).Select(p => new CodedPlacement(codes, p)).ToArray();
            counts.Add((copies, table.Add($"{text} x{copies} @{string.Join(",", positions.Take(copies))}", text, positions[copies - 1], copies, placements)));
        }
        var result = await analysis.EvaluateAsync(table, analysis.Options.KeepLocalEffects, cancellationToken).ConfigureAwait(false);
        var single = result[counts.Single(c => c.Copies == 1).Condition].Mean;
        var points = counts.Select(c => new MultipleSitesPoint(c.Copies, result[c.Condition], c.Copies * single)).ToArray();
        return new MultipleSitesResult(text, positions, points, result);
    }
}

/// <summary>One count of a multiple-sites experiment: copies 1..Copies embedded, against Copies × GI(one copy).</summary>
public sealed record MultipleSitesPoint(int Copies, ConditionImportance Observed, double Additive)
{
    /// <summary>Observed − additive expectation: positive for cooperative sites, negative for saturating ones.</summary>
    public double Excess => Observed.Mean - Additive;
}

public sealed class MultipleSitesResult(string pattern, IReadOnlyList<int> positions, IReadOnlyList<MultipleSitesPoint> points, GiaResult result)
{
    public string Pattern { get; } = pattern;

    public IReadOnlyList<int> Positions { get; } = positions;

    public IReadOnlyList<MultipleSitesPoint> Points { get; } = points;

    /// <summary>All conditions: one copy, two copies, … in order.</summary>
    public GiaResult Result { get; } = result;
}
