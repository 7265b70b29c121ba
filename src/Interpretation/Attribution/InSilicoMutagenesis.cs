using RbpPipeline.Interpretation.Sequences;

namespace RbpPipeline.Interpretation.Attribution;

/// <summary>Positions [<see cref="Start"/>, <see cref="Start"/> + <see cref="Length"/>) of the sequence.</summary>
public readonly record struct PositionWindow(int Start, int Length);

/// <summary>
/// In-silico mutagenesis of one row over the window [<see cref="WindowStart"/>, <see cref="WindowStart"/> + W).
/// <see cref="ReferenceRaw"/>: raw outputs of the row itself [columns]; <see cref="ReferenceScore"/>: its target score.
/// <see cref="RawDeltas"/> [columns, 4, W]: raw output of the row with base c at position l minus the reference's, for
/// each column; <see cref="TargetDeltas"/> [4, W]: the same for the target score. The reference base's own entries
/// are 0; at an N position every base is a substitution. <see cref="Heights"/> [W]: the L2 norm of the target deltas
/// over the 4 bases at each position (logo heights).
/// </summary>
public sealed record MutagenesisRow(int WindowStart, float[] ReferenceRaw, double ReferenceScore, float[] RawDeltas,
    float[] TargetDeltas, float[] Heights)
{
    public int WindowLength => Heights.Length;
}

/// <summary>
/// Every single-base substitution of the sequence input (the model's first), predicted in batches of the
/// evaluator's preferred size; the other inputs keep the row's values.
/// </summary>
public sealed class InSilicoMutagenesis
{
    private readonly IModelEvaluator _evaluator;
    private readonly PredictionTarget _target;
    private readonly int _maxCallsInFlight;
    private readonly ModelInputShape _sequence;

    public InSilicoMutagenesis(IModelEvaluator evaluator, PredictionTarget target, int maxCallsInFlight = 2)
    {
        InputChecks.Target(evaluator, target);
        _evaluator = evaluator;
        _target = target;
        _maxCallsInFlight = InputChecks.CallsInFlight(maxCallsInFlight);
        _sequence = InputChecks.Sequence(evaluator.Inputs, "in-silico mutagenesis");
    }

    /// <summary>Scans <paramref name="rows"/> rows over <paramref name="window"/> (null: the whole sequence).</summary>
    public async Task<IReadOnlyList<MutagenesisRow>> ScanAsync(IReadOnlyList<float[]> inputs, int rows, PositionWindow? window,
        CancellationToken cancellationToken)
    {
        var shapes = _evaluator.Inputs;
        InputChecks.Inputs(shapes, inputs, rows);
        var length = _sequence.Length;
        var (start, width) = window is { } w ? (w.Start, w.Length) : (0, length);
        if (start < 0 || width < 1 || start > length - width)
            throw new ArgumentOutOfRangeException(nameof(window), window,
                $"window [{start}, {(long)start + width}) is not a non-empty part of the sequence input '{_sequence.Name}' of length {length}");

        var columns = _evaluator.OutputColumns;
        var referenceRaw = new float[rows][];
        var referenceScores = new double[rows];
        var rawDeltas = new float[rows][];
        var targetDeltas = new float[rows][];

        var runner = new BatchRunner(_evaluator, _target, _maxCallsInFlight);
        await runner.RunAsync(CallKind.Predict, Points(inputs[0], rows, start, width),
            (batch, slot, row, tag) =>
            {
                for (var k = 0; k < shapes.Count; k++)
                    inputs[k].AsSpan(row * shapes[k].RecordSize, shapes[k].RecordSize).CopyTo(batch.Record(k, slot));
                if (tag < 0) return;
                var (position, code) = Math.DivRem(tag, 4);
                var record = batch.Record(0, slot);
                for (var c = 0; c < 4; c++) record[c * length + position] = c == code ? 1f : 0f;
            },
            (batch, slot, row, tag) =>
            {
                var raw = batch.RawRow(slot);
                // The reference comes first among each row's points, and results arrive in order.
                if (tag < 0)
                {
                    referenceRaw[row] = raw.ToArray();
                    referenceScores[row] = _target.Score(raw);
                    rawDeltas[row] = new float[columns * 4 * width];
                    targetDeltas[row] = new float[4 * width];
                    return;
                }
                var (position, code) = Math.DivRem(tag, 4);
                var offset = code * width + position - start;
                for (var c = 0; c < columns; c++) rawDeltas[row][c * 4 * width + offset] = raw[c] - referenceRaw[row][c];
                targetDeltas[row][offset] = (float)(_target.Score(raw) - referenceScores[row]);
            },
            cancellationToken).ConfigureAwait(false);

        var results = new MutagenesisRow[rows];
        for (var r = 0; r < rows; r++)
        {
            var heights = new float[width];
            for (var l = 0; l < width; l++)
            {
                var sum = 0.0;
                for (var c = 0; c < 4; c++) sum += (double)targetDeltas[r][c * width + l] * targetDeltas[r][c * width + l];
                heights[l] = (float)Math.Sqrt(sum);
            }
            results[r] = new MutagenesisRow(start, referenceRaw[r], referenceScores[r], rawDeltas[r], targetDeltas[r], heights);
        }
        return results;
    }

    /// <summary>Per row: tag −1 for the reference, then position · 4 + base for every substitution in the window.</summary>
    private IEnumerable<(int Row, int Tag)> Points(float[] sequences, int rows, int start, int width)
    {
        var length = _sequence.Length;
        var codes = new byte[length];
        for (var r = 0; r < rows; r++)
        {
            NucleotideCodes.FromOneHot(sequences.AsSpan(r * 4 * length, 4 * length), codes);
            yield return (r, -1);
            for (var l = start; l < start + width; l++)
                for (var c = 0; c < 4; c++)
                    if (c != codes[l]) yield return (r, l * 4 + c);
        }
    }
}
