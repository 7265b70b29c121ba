namespace RbpPipeline.Interpretation.Gia;

/// <summary>The embedding experiment: one or more patterns embedded together, a single condition.</summary>
public static class Embedding
{
    /// <summary>The global importance of <paramref name="patterns"/> embedded together (later ones overwrite earlier ones).</summary>
    public static async Task<GiaResult> EmbedAsync(this GlobalImportanceAnalysis analysis, IReadOnlyList<PatternPlacement> patterns,
        CancellationToken cancellationToken)
    {
        if (patterns.Count == 0) throw new ArgumentException("no patterns to embed");
        var label = string.Join(" + ", patterns.Select(p => $"{Patterns.Normalize(p.Pattern)}@{p.Position}"));
        var table = analysis.NewConditions();
        table.Add(label, [.. patterns]);
        return await analysis.RunAsync(table, cancellationToken).ConfigureAwait(false);
    }
}
