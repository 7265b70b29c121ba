namespace RbpPipeline.Interpretation.Gia;

/// <summary>The hairpin-context experiment: a pattern in the loop and in the stem of a designed hairpin.</summary>
public static class HairpinContext
{
    /// <summary>
    /// <paramref name="pattern"/> in the loop of a designed hairpin (stem arms of <paramref name="stemLength"/>,
    /// loop of <paramref name="loopLength"/> ≥ the pattern, centred on <paramref name="position"/>) and in the
    /// hairpin's 5′ arm (3′ arm kept complementary), against the pattern at the same two positions in unstructured
    /// backgrounds; the hairpin alone too. The 5′ arm's bases are random, from <see cref="GiaOptions.Seed"/>.
    /// </summary>
    public static async Task<HairpinContextResult> HairpinContextAsync(this GlobalImportanceAnalysis analysis, string pattern, int position,
        int stemLength, int loopLength, CancellationToken cancellationToken)
    {
        var text = Patterns.Normalize(pattern);
        var layout = HairpinLayout.Around(text, position, stemLength, loopLength, analysis.Backgrounds.Length, new Random(analysis.Options.Seed));
        var table = analysis.NewConditions();
        var inLoop = table.Add($"hairpin@{layout.Start} with {text}@{layout.LoopPatternPosition} in the loop", text, layout.LoopPatternPosition, null,
            analysis.Placement(layout.DesignWithPatternInLoop(text), layout.Start));
        var inStem = table.Add($"hairpin@{layout.Start} with {text}@{layout.StemPatternPosition} in the 5' arm", text, layout.StemPatternPosition, null,
            analysis.Placement(layout.DesignWithPatternInStem(text), layout.Start));
        var loopPositionUnstructured = table.Add($"{text}@{layout.LoopPatternPosition}", text, layout.LoopPatternPosition, null,
            analysis.Placement(text, layout.LoopPatternPosition));
        var stemPositionUnstructured = table.Add($"{text}@{layout.StemPatternPosition}", text, layout.StemPatternPosition, null,
            analysis.Placement(text, layout.StemPatternPosition));
        var hairpinAlone = table.Add($"hairpin@{layout.Start}", null, layout.Start, null, analysis.Placement(layout.Design(), layout.Start));
        var result = await analysis.EvaluateAsync(table, analysis.Options.KeepLocalEffects, cancellationToken).ConfigureAwait(false);
        return new HairpinContextResult(layout, result)
        {
            InLoop = result[inLoop],
            InStem = result[inStem],
            LoopPositionUnstructured = result[loopPositionUnstructured],
            StemPositionUnstructured = result[stemPositionUnstructured],
            HairpinAlone = result[hairpinAlone],
        };
    }
}

/// <summary>
/// A pattern in the loop of a designed hairpin and in its 5′ stem arm, against the same pattern at the same two
/// positions without the hairpin; the hairpin alone is reported too.
/// </summary>
/// <remarks>The five conditions are set by name (required init properties), so no two can be swapped by position.</remarks>
public sealed class HairpinContextResult(HairpinLayout layout, GiaResult result)
{
    public HairpinLayout Layout { get; } = layout;

    public required ConditionImportance InLoop { get; init; }

    public required ConditionImportance InStem { get; init; }

    public required ConditionImportance LoopPositionUnstructured { get; init; }

    public required ConditionImportance StemPositionUnstructured { get; init; }

    public required ConditionImportance HairpinAlone { get; init; }

    /// <summary>All conditions: in the loop, in the 5′ arm, the loop position unstructured, the stem position unstructured, the hairpin alone.</summary>
    public GiaResult Result { get; } = result;
}
