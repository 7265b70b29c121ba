namespace RbpPipeline.Interpretation.Gia;

/// <summary>How a <see cref="GlobalImportanceAnalysis"/> runs.</summary>
public sealed record GiaOptions
{
    /// <summary>
    /// Keep every condition's per-background local effects f(x with pattern) − f(x) in the results
    /// (conditions × backgrounds floats: 16 MB for a 6-mer scan over 1,000 backgrounds).
    /// </summary>
    public bool KeepLocalEffects { get; init; }

    /// <summary>Rows per evaluator call; default the evaluator's <see cref="IModelEvaluator.PreferredBatchSize"/>.</summary>
    public int? BatchSize { get; init; }

    /// <summary>Evaluator calls kept in flight while the next batch is prepared (2–3 keep a GPU busy).</summary>
    public int CallsInFlight { get; init; } = 3;

    /// <summary>Seed of designed sequence (random GC blocks, hairpin stems), so experiments are reproducible.</summary>
    public int Seed { get; init; }
}
