using RbpPipeline.Interpretation.Sequences;

namespace RbpPipeline.Interpretation.Backgrounds;

/// <summary>
/// A set of model input records described by their sequence codes [Count][Length] (0..3 = ACGU, 4 = N) plus, for
/// models with further inputs (per-position tracks such as "region"), each record's rows of those inputs. Used both
/// as the reference set backgrounds are generated from and as the backgrounds of a global importance analysis.
/// Immutable; codes are stored flat so one-hot batches can be written with block copies.
/// </summary>
public sealed class BackgroundSet
{
    private readonly byte[] _codes;
    private readonly float[][] _tracks;
    private float[]? _oneHot;

    /// <summary>A set of sequences only, for models whose only input is the sequence.</summary>
    public BackgroundSet(IReadOnlyList<byte[]> sequences) : this(sequences, [], []) { }

    /// <param name="sequences">Codes of each record; all of one length.</param>
    /// <param name="trackShapes">The model's inputs after the sequence, in the model's order.</param>
    /// <param name="tracks">One array per track input, [Count, channels, length] row-major.</param>
    public BackgroundSet(IReadOnlyList<byte[]> sequences, IReadOnlyList<ModelInputShape> trackShapes, IReadOnlyList<float[]> tracks)
        : this(Flatten(sequences, out var length), sequences.Count, length, trackShapes, tracks)
    {
    }

    internal BackgroundSet(byte[] codes, int count, int length, IReadOnlyList<ModelInputShape> trackShapes, IReadOnlyList<float[]> tracks)
    {
        if (count < 0 || length < 0 || codes.Length != count * length)
            throw new ArgumentException($"{codes.Length} codes for {count} records of length {length}");
        if (trackShapes.Count != tracks.Count)
            throw new ArgumentException($"{tracks.Count} track arrays for {trackShapes.Count} track inputs");
        for (var t = 0; t < tracks.Count; t++)
            if (tracks[t].Length != count * trackShapes[t].RecordSize)
                throw new ArgumentException(
                    $"track input '{trackShapes[t].Name}' has {tracks[t].Length} values; {count} records need {count * trackShapes[t].RecordSize}");
        for (var i = 0; i < codes.Length; i++)
            if (codes[i] >= NucleotideCodes.Symbols)
                throw new ArgumentException($"code {codes[i]} in record {i / Math.Max(1, length)} is not a nucleotide code (0..4)");
        _codes = codes;
        Count = count;
        Length = length;
        TrackShapes = [.. trackShapes];
        _tracks = [.. tracks];
    }

    public int Count { get; }

    /// <summary>The sequence length of every record (the model's input length).</summary>
    public int Length { get; }

    /// <summary>Shapes of the inputs after the sequence input, in the model's order.</summary>
    public IReadOnlyList<ModelInputShape> TrackShapes { get; }

    /// <summary>A set of sequences given as text (T read as U, other letters as N).</summary>
    public static BackgroundSet FromStrings(IEnumerable<string> sequences) =>
        new([.. sequences.Select(s => NucleotideCodes.FromString(s))]);

    public ReadOnlySpan<byte> Sequence(int index)
    {
        CheckIndex(index);
        return _codes.AsSpan(index * Length, Length);
    }

    /// <summary>Record <paramref name="index"/>'s row of track input <paramref name="track"/> (0 = the first input after the sequence).</summary>
    public ReadOnlySpan<float> TrackRow(int track, int index)
    {
        CheckIndex(index);
        var size = TrackShapes[track].RecordSize;
        return _tracks[track].AsSpan(index * size, size);
    }

    /// <summary>
    /// The one-hot sequence input of every record, [Count, 4, Length] (N columns all zero). Computed once and
    /// shared: callers must not write to it.
    /// </summary>
    public float[] OneHot()
    {
        if (_oneHot is { } cached) return cached;
        var oneHot = new float[Count * 4 * Length];
        for (var r = 0; r < Count; r++)
            NucleotideCodes.WriteOneHot(_codes.AsSpan(r * Length, Length), oneHot.AsSpan(r * 4 * Length, 4 * Length));
        return _oneHot = oneHot;
    }

    /// <summary>Model input arrays (sequence one-hot first, then each track) for records [start, start + rows).</summary>
    public float[][] CreateInputs(int start, int rows)
    {
        if (start < 0 || rows < 0 || start + rows > Count)
            throw new ArgumentOutOfRangeException(nameof(rows), $"records [{start}, {start + rows}) of a set of {Count}");
        var inputs = new float[1 + _tracks.Length][];
        var recordSize = 4 * Length;
        inputs[0] = OneHot().AsSpan(start * recordSize, rows * recordSize).ToArray();
        for (var t = 0; t < _tracks.Length; t++)
        {
            var size = TrackShapes[t].RecordSize;
            inputs[1 + t] = _tracks[t].AsSpan(start * size, rows * size).ToArray();
        }
        return inputs;
    }

    /// <summary>The records at <paramref name="indices"/>, in that order (repeats allowed).</summary>
    public BackgroundSet Select(IReadOnlyList<int> indices)
    {
        var codes = new byte[indices.Count * Length];
        var tracks = TrackShapes.Select(s => new float[indices.Count * s.RecordSize]).ToArray();
        for (var i = 0; i < indices.Count; i++)
        {
            Sequence(indices[i]).CopyTo(codes.AsSpan(i * Length, Length));
            for (var t = 0; t < tracks.Length; t++)
            {
                var size = TrackShapes[t].RecordSize;
                TrackRow(t, indices[i]).CopyTo(tracks[t].AsSpan(i * size, size));
            }
        }
        return new BackgroundSet(codes, indices.Count, Length, TrackShapes, tracks);
    }

    /// <summary>The records of several sets of the same shape, one after another.</summary>
    public static BackgroundSet Concatenate(IReadOnlyList<BackgroundSet> sets)
    {
        if (sets.Count == 0) throw new ArgumentException("no sets to concatenate");
        var first = sets[0];
        foreach (var set in sets) first.CheckSameShape(set);
        var count = sets.Sum(s => s.Count);
        var codes = new byte[count * first.Length];
        var tracks = first.TrackShapes.Select(s => new float[count * s.RecordSize]).ToArray();
        var row = 0;
        foreach (var set in sets)
        {
            set._codes.CopyTo(codes, row * first.Length);
            for (var t = 0; t < tracks.Length; t++) set._tracks[t].CopyTo(tracks[t], row * first.TrackShapes[t].RecordSize);
            row += set.Count;
        }
        return new BackgroundSet(codes, count, first.Length, first.TrackShapes, tracks);
    }

    /// <summary>Throws unless the records fit <paramref name="evaluator"/>'s inputs: a 4-channel sequence input of this length, then these tracks.</summary>
    public void CheckFits(IModelEvaluator evaluator)
    {
        var inputs = evaluator.Inputs;
        if (inputs.Count == 0 || inputs[0].Channels != 4 || inputs[0].Length != Length)
            throw new ArgumentException(
                $"backgrounds of length {Length} do not fit the model's first input {Describe(inputs.FirstOrDefault())}; expected a 4-channel sequence input of length {Length}");
        if (inputs.Count - 1 != TrackShapes.Count)
            throw new ArgumentException(
                $"the model takes {inputs.Count - 1} inputs besides the sequence ({string.Join(", ", inputs.Skip(1).Select(Describe))}); the backgrounds carry {TrackShapes.Count}");
        for (var t = 0; t < TrackShapes.Count; t++)
            if (inputs[t + 1] != TrackShapes[t])
                throw new ArgumentException($"background track {Describe(TrackShapes[t])} does not match the model's input {Describe(inputs[t + 1])}");
    }

    /// <summary>
    /// The prediction target at every record, f(record): the records are sent in batches of the evaluator's
    /// preferred size with a few calls in flight.
    /// </summary>
    public Task<double[]> ScoreAsync(IModelEvaluator evaluator, PredictionTarget target, CancellationToken cancellationToken) =>
        ScoreAsync(evaluator, target, evaluator.PreferredBatchSize, cancellationToken);

    /// <summary>As <see cref="ScoreAsync(IModelEvaluator, PredictionTarget, CancellationToken)"/>, <paramref name="batchSize"/> rows per call.</summary>
    public async Task<double[]> ScoreAsync(IModelEvaluator evaluator, PredictionTarget target, int batchSize, CancellationToken cancellationToken)
    {
        CheckFits(evaluator);
        var scores = new double[Count];
        var batch = Math.Max(1, batchSize);
        var pending = new Queue<(int Start, int Rows, Task<float[]> Raw)>();
        try
        {
            for (var start = 0; start < Count; start += batch)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (pending.Count == InFlight) await Complete(pending.Dequeue()).ConfigureAwait(false);
                var rows = Math.Min(batch, Count - start);
                pending.Enqueue((start, rows, evaluator.PredictAsync(CreateInputs(start, rows), rows, cancellationToken)));
            }
            while (pending.Count > 0) await Complete(pending.Dequeue()).ConfigureAwait(false);
        }
        finally
        {
            // Never leave calls running behind a failure: the caller may reuse the evaluator at once.
            while (pending.Count > 0)
                try { await pending.Dequeue().Raw.ConfigureAwait(false); }
                catch (Exception) { /* the first failure is the one reported */ }
        }
        return scores;

        async Task Complete((int Start, int Rows, Task<float[]> Raw) call)
        {
            var raw = await call.Raw.ConfigureAwait(false);
            var columns = evaluator.OutputColumns;
            if (raw.Length != call.Rows * columns)
                throw new InvalidOperationException($"the evaluator returned {raw.Length} outputs for {call.Rows} rows of {columns} columns");
            for (var r = 0; r < call.Rows; r++) scores[call.Start + r] = target.Score(raw.AsSpan(r * columns, columns));
        }
    }

    internal ReadOnlySpan<byte> AllCodes => _codes;

    internal float[] TrackArray(int track) => _tracks[track];

    /// <summary>Calls kept in flight by batched predictions: enough to overlap preparing one batch with running others.</summary>
    internal const int InFlight = 3;

    internal void CheckSameShape(BackgroundSet other)
    {
        if (other.Length != Length || !other.TrackShapes.SequenceEqual(TrackShapes))
            throw new ArgumentException($"sets of different shapes: length {Length} with {TrackShapes.Count} tracks, and length {other.Length} with {other.TrackShapes.Count} tracks");
    }

    private static string Describe(ModelInputShape? shape) =>
        shape is null ? "(none)" : $"'{shape.Name}' [{shape.Channels}, {shape.Length}]";

    private void CheckIndex(int index)
    {
        if ((uint)index >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(index), $"record {index} of a set of {Count}");
    }

    private static byte[] Flatten(IReadOnlyList<byte[]> sequences, out int length)
    {
        length = sequences.Count == 0 ? 0 : sequences[0].Length;
        var codes = new byte[sequences.Count * length];
        for (var i = 0; i < sequences.Count; i++)
        {
            if (sequences[i].Length != length)
                throw new ArgumentException($"sequence {i} has length {sequences[i].Length}; the first has {length}");
            sequences[i].CopyTo(codes, i * length);
        }
        return codes;
    }
}
