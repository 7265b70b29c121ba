namespace RbpPipeline.Interpretation.Attribution;

/// <summary>The argument checks every attribution method shares, with messages that name the input and the size expected.</summary>
internal static class InputChecks
{
    public static void Inputs(IReadOnlyList<ModelInputShape> shapes, IReadOnlyList<float[]> inputs, int rows)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (rows < 0) throw new ArgumentOutOfRangeException(nameof(rows), rows, $"rows is {rows}; expected 0 or more");
        if (inputs.Count != shapes.Count)
            throw new ArgumentException(
                $"expected {shapes.Count} input arrays ({string.Join(", ", shapes.Select(s => s.Name))}), got {inputs.Count}", nameof(inputs));
        for (var k = 0; k < shapes.Count; k++)
        {
            var shape = shapes[k];
            var expected = (long)rows * shape.RecordSize;
            if (inputs[k] is null) throw new ArgumentException($"input '{shape.Name}' is null; expected {expected} values", nameof(inputs));
            if (inputs[k].Length != expected)
                throw new ArgumentException(
                    $"input '{shape.Name}' has {inputs[k].Length} values; expected {expected} " +
                    $"({rows} rows × {shape.Channels} channels × {shape.Length} positions)", nameof(inputs));
        }
    }

    /// <summary>The first input, which must be the 4-channel one-hot sequence for <paramref name="purpose"/>.</summary>
    public static ModelInputShape Sequence(IReadOnlyList<ModelInputShape> shapes, string purpose)
    {
        if (shapes.Count == 0) throw new ArgumentException($"{purpose} needs a sequence input; the model has no inputs");
        var shape = shapes[0];
        if (shape.Channels != 4)
            throw new ArgumentException($"{purpose} needs the first input '{shape.Name}' to be a 4-channel one-hot sequence; it has {shape.Channels} channels");
        return shape;
    }

    public static void Target(IModelEvaluator evaluator, PredictionTarget target)
    {
        ArgumentNullException.ThrowIfNull(evaluator);
        ArgumentNullException.ThrowIfNull(target);
        if (target.Columns != evaluator.OutputColumns)
            throw new ArgumentException($"the target has {target.Columns} output columns; the model has {evaluator.OutputColumns}", nameof(target));
        if (evaluator.PreferredBatchSize < 1)
            throw new ArgumentException($"the evaluator's preferred batch size is {evaluator.PreferredBatchSize}; expected at least 1", nameof(evaluator));
    }

    public static int CallsInFlight(int maxCallsInFlight) => maxCallsInFlight >= 1
        ? maxCallsInFlight
        : throw new ArgumentOutOfRangeException(nameof(maxCallsInFlight), maxCallsInFlight,
            $"at most {maxCallsInFlight} evaluator calls in flight; expected at least 1");
}
