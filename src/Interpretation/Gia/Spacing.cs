using RbpPipeline.Interpretation.Sequences;

namespace RbpPipeline.Interpretation.Gia;

/// <summary>The spacing experiment: two patterns at a range of gaps, with the interaction term at each.</summary>
public static class Spacing
{
    /// <summary>
    /// <paramref name="first"/> at <paramref name="firstPosition"/> and <paramref name="second"/> starting
    /// <paramref name="spacings"/>[i] bases after the first one's end (0: adjacent; negative: overlapping, the
    /// second overwrites). Each spacing also gets the second pattern alone, for the interaction term.
    /// </summary>
    public static async Task<SpacingResult> SpacingAsync(this GlobalImportanceAnalysis analysis, string first, int firstPosition, string second,
        IReadOnlyList<int> spacings, CancellationToken cancellationToken)
    {
        if (spacings.Count == 0) throw new ArgumentException("no spacings");
        var firstCodes = Patterns.Parse(first);
        var secondCodes = Patterns.Parse(second);
        var firstText = NucleotideCodes.ToString(firstCodes);
        var secondText = NucleotideCodes.ToString(secondCodes);
        Patterns.CheckFits(firstText, firstCodes.Length, firstPosition, analysis.Backgrounds.Length);
        var firstPlacement = new CodedPlacement(firstCodes, firstPosition);
        var table = analysis.NewConditions();
        var firstAlone = table.Add($"{firstText}@{firstPosition}", firstText, firstPosition, null, firstPlacement);
        var pairs = new List<(int Spacing, int SecondPosition, ConditionHandle Both, ConditionHandle SecondAlone)>();
        foreach (var spacing in spacings)
        {
            var secondPosition = firstPosition + firstCodes.Length + spacing;
            Patterns.CheckFits(secondText, secondCodes.Length, secondPosition, analysis.Backgrounds.Length);
            var secondPlacement = new CodedPlacement(secondCodes, secondPosition);
            var both = table.Add($"{firstText}@{firstPosition} + {secondText}@{secondPosition} (spacing {spacing})", secondText, secondPosition, spacing,
                firstPlacement, secondPlacement);
            var secondAlone = table.Add($"{secondText}@{secondPosition}", secondText, secondPosition, spacing, secondPlacement);
            pairs.Add((spacing, secondPosition, both, secondAlone));
        }
        var result = await analysis.EvaluateAsync(table, analysis.Options.KeepLocalEffects, cancellationToken).ConfigureAwait(false);
        var alone = result[firstAlone];
        var points = pairs.Select(p =>
        {
            var both = result[p.Both];
            var secondAlone = result[p.SecondAlone];
            return new SpacingPoint(p.Spacing, p.SecondPosition, both, secondAlone, both.Mean - alone.Mean - secondAlone.Mean);
        }).ToArray();
        return new SpacingResult(alone, points, result);
    }
}

/// <summary>
/// One spacing of a spacing experiment: both patterns, the second alone at its position, and the interaction
/// GI(both) − GI(first alone) − GI(second alone).
/// </summary>
public sealed record SpacingPoint(int Spacing, int SecondPosition, ConditionImportance Both, ConditionImportance SecondAlone, double Interaction);

public sealed class SpacingResult(ConditionImportance firstAlone, IReadOnlyList<SpacingPoint> points, GiaResult result)
{
    public ConditionImportance FirstAlone { get; } = firstAlone;

    public IReadOnlyList<SpacingPoint> Points { get; } = points;

    /// <summary>All conditions: the first pattern alone, then per spacing the pair and the second alone.</summary>
    public GiaResult Result { get; } = result;
}
