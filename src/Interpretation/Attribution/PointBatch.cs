namespace RbpPipeline.Interpretation.Attribution;

/// <summary>
/// The reusable buffers of one evaluator call: up to <see cref="Capacity"/> points of every input, the bookkeeping
/// an algorithm reads back when the results arrive (row, tag, gradient scale per point), and those results.
/// </summary>
internal sealed class PointBatch
{
    private readonly int[] _sizes;

    public PointBatch(IReadOnlyList<ModelInputShape> shapes, int columns, int capacity)
    {
        Capacity = capacity;
        Columns = columns;
        _sizes = [.. shapes.Select(s => s.RecordSize)];
        Inputs = [.. _sizes.Select(size => new float[size * capacity])];
        Rows = new int[capacity];
        Tags = new int[capacity];
        Scales = new float[capacity];
        Weights = new float[capacity * columns];
    }

    public int Capacity { get; }

    public int Columns { get; }

    public int Count { get; set; }

    public float[][] Inputs { get; }

    public int[] Rows { get; }

    public int[] Tags { get; }

    /// <summary>Per point factor on the target's output weights: a gradient call returns the scaled gradient.</summary>
    public float[] Scales { get; }

    public float[] Weights { get; }

    public float[] Raw { get; private set; } = [];

    public float[][] Gradients { get; private set; } = [];

    public Span<float> Record(int input, int slot) => Inputs[input].AsSpan(slot * _sizes[input], _sizes[input]);

    public ReadOnlySpan<float> RawRow(int slot) => Raw.AsSpan(slot * Columns, Columns);

    public ReadOnlySpan<float> Gradient(int input, int slot) => Gradients[input].AsSpan(slot * _sizes[input], _sizes[input]);

    /// <summary>
    /// The input arrays for the call: the buffers themselves when full; exact-size copies for a final partial batch,
    /// since an evaluator may take an array's length as its row count.
    /// </summary>
    public float[][] CallInputs() => Count == Capacity
        ? Inputs
        : [.. Inputs.Select((buffer, k) => buffer.AsSpan(0, Count * _sizes[k]).ToArray())];

    public float[] CallWeights() => Count == Capacity ? Weights : new float[Count * Columns];

    public void SetResults(float[] raw, float[][] gradients)
    {
        if (raw is null || raw.Length != Count * Columns)
            throw new InvalidOperationException($"the evaluator returned {raw?.Length ?? 0} raw outputs for {Count} rows of {Columns} columns");
        if (gradients.Length != 0)
        {
            if (gradients.Length != _sizes.Length)
                throw new InvalidOperationException($"the evaluator returned gradients for {gradients.Length} inputs; the model has {_sizes.Length}");
            for (var k = 0; k < _sizes.Length; k++)
                if (gradients[k] is null || gradients[k].Length != Count * _sizes[k])
                    throw new InvalidOperationException(
                        $"the evaluator returned {gradients[k]?.Length ?? 0} gradient values for input {k}; expected {Count * _sizes[k]}");
        }
        Raw = raw;
        Gradients = gradients;
    }
}
