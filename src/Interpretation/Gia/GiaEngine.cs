using RbpPipeline.Interpretation.Backgrounds;

namespace RbpPipeline.Interpretation.Gia;

/// <summary>
/// Evaluates conditions × backgrounds rows and reduces them to per-condition sums of local effects as batches
/// come back. Rows are laid out so that a batch slot keeps holding the same background from one batch to the
/// next: backgrounds are cut into blocks of at most one batch, and a batch is a few conditions × one block. A
/// pooled buffer then only needs the previous condition's columns restored and the next condition's written,
/// instead of a whole record copied. Batches are prepared on the calling thread while up to
/// <see cref="GiaOptions.CallsInFlight"/> evaluator calls run.
/// </summary>
internal sealed class GiaEngine
{
    private readonly IModelEvaluator _evaluator;
    private readonly PredictionTarget _target;
    private readonly BackgroundSet _backgrounds;
    private readonly int _batchSize;
    private readonly int _inFlight;

    public GiaEngine(IModelEvaluator evaluator, PredictionTarget target, BackgroundSet backgrounds, GiaOptions options)
    {
        _evaluator = evaluator;
        _target = target;
        _backgrounds = backgrounds;
        _batchSize = Math.Max(1, options.BatchSize ?? evaluator.PreferredBatchSize);
        _inFlight = Math.Max(1, options.CallsInFlight);
    }

    public sealed record Sums(double[] Sum, double[] SumOfSquares, float[]? LocalEffects);

    public async Task<Sums> RunAsync(ConditionTable table, double[] baseline, bool keepLocalEffects, CancellationToken cancellationToken)
    {
        var conditions = table.Compile();
        var count = table.Count;
        var n = _backgrounds.Count;
        if (keepLocalEffects && (long)count * n > Array.MaxLength)
            throw new ArgumentException($"the local effects of {count} conditions × {n} backgrounds do not fit one array; do not keep them");
        var sums = new Sums(new double[count], new double[count], keepLocalEffects ? new float[count * n] : null);
        var pool = new Dictionary<int, Stack<RowBuffer>>();
        var pending = new Queue<(Chunk Chunk, RowBuffer Buffer, Task<float[]> Raw)>();
        try
        {
            foreach (var chunk in Chunks(count, n))
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (pending.Count == _inFlight) Complete(await Dequeue().ConfigureAwait(false));
                var buffer = Rent(pool, chunk.Rows);
                Fill(buffer, chunk, conditions);
                pending.Enqueue((chunk, buffer, _evaluator.PredictAsync(buffer.Inputs, chunk.Rows, cancellationToken)));
            }
            while (pending.Count > 0) Complete(await Dequeue().ConfigureAwait(false));
        }
        finally
        {
            // Wait out calls still running after a failure so no buffer is written while the evaluator reads it.
            while (pending.Count > 0)
                try { await pending.Dequeue().Raw.ConfigureAwait(false); }
                catch (Exception) { /* the first failure is the one reported */ }
        }
        return sums;

        async Task<(Chunk, RowBuffer, float[])> Dequeue()
        {
            var (chunk, buffer, raw) = pending.Peek();
            var outputs = await raw.ConfigureAwait(false);
            pending.Dequeue();
            return (chunk, buffer, outputs);
        }

        void Complete((Chunk Chunk, RowBuffer Buffer, float[] Raw) done)
        {
            Reduce(done.Chunk, done.Raw, baseline, sums);
            pool[done.Chunk.Rows].Push(done.Buffer);
        }
    }

    /// <summary>The per-condition mean and standard error of the local effects.</summary>
    public static (double Mean, double StandardError) Summarize(double sum, double sumOfSquares, int n)
    {
        var mean = sum / n;
        if (n < 2) return (mean, double.NaN);
        var variance = Math.Max(0, (sumOfSquares - sum * mean) / (n - 1));
        return (mean, Math.Sqrt(variance / n));
    }

    private readonly record struct Chunk(int FirstCondition, int Conditions, int FirstBackground, int Backgrounds)
    {
        public int Rows => Conditions * Backgrounds;
    }

    /// <summary>Row buffers of one batch: model inputs plus, per slot, the background it holds and the columns a condition changed.</summary>
    private sealed class RowBuffer(float[][] inputs, int rows)
    {
        public float[][] Inputs { get; } = inputs;
        public int[] Background { get; } = Enumerable.Repeat(-1, rows).ToArray();
        public int[] DirtyLo { get; } = new int[rows];
        public int[] DirtyHi { get; } = new int[rows];
    }

    private IEnumerable<Chunk> Chunks(int conditions, int backgrounds)
    {
        var blocks = (backgrounds + _batchSize - 1) / _batchSize;
        var blockSize = (backgrounds + blocks - 1) / blocks;
        for (var first = 0; first < backgrounds; first += blockSize)
        {
            var size = Math.Min(blockSize, backgrounds - first);
            var perChunk = Math.Max(1, _batchSize / size);
            for (var c = 0; c < conditions; c += perChunk)
                yield return new Chunk(c, Math.Min(perChunk, conditions - c), first, size);
        }
    }

    private RowBuffer Rent(Dictionary<int, Stack<RowBuffer>> pool, int rows)
    {
        if (!pool.TryGetValue(rows, out var stack)) pool[rows] = stack = new Stack<RowBuffer>();
        if (stack.Count > 0) return stack.Pop();
        // Evaluators expect arrays of exactly rows × record size, so each batch size has its own buffers.
        var inputs = new float[1 + _backgrounds.TrackShapes.Count][];
        inputs[0] = new float[rows * 4 * _backgrounds.Length];
        for (var t = 0; t < _backgrounds.TrackShapes.Count; t++) inputs[1 + t] = new float[rows * _backgrounds.TrackShapes[t].RecordSize];
        return new RowBuffer(inputs, rows);
    }

    private void Fill(RowBuffer buffer, Chunk chunk, ConditionTable.Compiled conditions)
    {
        var length = _backgrounds.Length;
        var record = 4 * length;
        var oneHot = _backgrounds.OneHot();
        var sequence = buffer.Inputs[0];
        var slot = 0;
        for (var c = chunk.FirstCondition; c < chunk.FirstCondition + chunk.Conditions; c++)
        {
            for (var b = chunk.FirstBackground; b < chunk.FirstBackground + chunk.Backgrounds; b++, slot++)
            {
                var row = sequence.AsSpan(slot * record, record);
                var source = oneHot.AsSpan(b * record, record);
                if (buffer.Background[slot] != b)
                {
                    source.CopyTo(row);
                    for (var t = 0; t < _backgrounds.TrackShapes.Count; t++)
                    {
                        var size = _backgrounds.TrackShapes[t].RecordSize;
                        _backgrounds.TrackArray(t).AsSpan(b * size, size).CopyTo(buffer.Inputs[1 + t].AsSpan(slot * size, size));
                    }
                    buffer.Background[slot] = b;
                }
                else if (buffer.DirtyHi[slot] > buffer.DirtyLo[slot] &&
                         !(conditions.Dense[c] && conditions.Lo[c] <= buffer.DirtyLo[slot] && conditions.Hi[c] >= buffer.DirtyHi[slot]))
                {
                    var lo = buffer.DirtyLo[slot];
                    var width = buffer.DirtyHi[slot] - lo;
                    for (var ch = 0; ch < 4; ch++) source.Slice(ch * length + lo, width).CopyTo(row.Slice(ch * length + lo, width));
                }
                for (var e = conditions.Starts[c]; e < conditions.Starts[c + 1]; e++)
                {
                    var column = conditions.Columns[e];
                    row[column] = 0;
                    row[length + column] = 0;
                    row[2 * length + column] = 0;
                    row[3 * length + column] = 0;
                    row[conditions.Codes[e] * length + column] = 1;
                }
                buffer.DirtyLo[slot] = conditions.Lo[c];
                buffer.DirtyHi[slot] = conditions.Hi[c];
            }
        }
    }

    private void Reduce(Chunk chunk, float[] raw, double[] baseline, Sums sums)
    {
        var columns = _evaluator.OutputColumns;
        if (raw.Length != chunk.Rows * columns)
            throw new InvalidOperationException($"the evaluator returned {raw.Length} outputs for {chunk.Rows} rows of {columns} columns");
        var n = _backgrounds.Count;
        var slot = 0;
        for (var c = chunk.FirstCondition; c < chunk.FirstCondition + chunk.Conditions; c++)
        {
            double sum = 0, squares = 0;
            for (var b = chunk.FirstBackground; b < chunk.FirstBackground + chunk.Backgrounds; b++, slot++)
            {
                var effect = _target.Score(raw.AsSpan(slot * columns, columns)) - baseline[b];
                sum += effect;
                squares += effect * effect;
                if (sums.LocalEffects is { } local) local[c * n + b] = (float)effect;
            }
            sums.Sum[c] += sum;
            sums.SumOfSquares[c] += squares;
        }
    }
}
