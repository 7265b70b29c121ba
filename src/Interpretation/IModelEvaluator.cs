namespace RbpPipeline.Interpretation;

/// <summary>The shape of one model input tensor, [batch, Channels, Length] (the sequence input has 4 channels A, C, G, U).</summary>
public sealed record ModelInputShape(string Name, int Channels, int Length)
{
    /// <summary>Floats per row.</summary>
    public int RecordSize => Channels * Length;
}

/// <summary>
/// A frozen model as the interpretation algorithms see it: batched forward calls (raw outputs: logits or regression
/// scores) and batched input gradients of a weighted sum of raw outputs. Inputs are row-major float arrays
/// [rows, channels, length], one per <see cref="Inputs"/> entry, in that order. Implementations may split a call
/// into several runs; they must be safe to call concurrently.
/// </summary>
public interface IModelEvaluator
{
    IReadOnlyList<ModelInputShape> Inputs { get; }

    /// <summary>The number of raw output columns (one per task, one per class of a multiclass task).</summary>
    int OutputColumns { get; }

    /// <summary>Rows per call that use the backend well; callers generating large batches chunk by this.</summary>
    int PreferredBatchSize { get; }

    /// <summary>Raw outputs [rows, <see cref="OutputColumns"/>].</summary>
    Task<float[]> PredictAsync(IReadOnlyList<float[]> inputs, int rows, CancellationToken cancellationToken);

    /// <summary>
    /// For each row r, ∂(Σ_c outputWeights[r, c] · raw[r, c]) / ∂input, one array per input shaped like that input,
    /// plus the raw outputs at the same points [rows, <see cref="OutputColumns"/>].
    /// </summary>
    Task<(float[][] Gradients, float[] Raw)> GradientAsync(IReadOnlyList<float[]> inputs, float[] outputWeights, int rows,
        CancellationToken cancellationToken);
}
