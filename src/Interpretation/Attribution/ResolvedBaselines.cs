using RbpPipeline.Interpretation.Sequences;

namespace RbpPipeline.Interpretation.Attribution;

/// <summary>
/// A request's baselines made concrete for one model: per input, records shared by every row or shuffles drawn
/// from each row. <see cref="Count"/> baselines per row; baseline j of an input with a single record is that record.
/// </summary>
internal sealed class ResolvedBaselines
{
    private readonly InputBaseline[] _inputs;

    private ResolvedBaselines(InputBaseline[] inputs, int count)
    {
        _inputs = inputs;
        Count = count;
        DependsOnRow = inputs.Any(b => b.DependsOnRow);
    }

    public int Count { get; }

    /// <summary>False when every row shares the same baselines, so their scores are computed once.</summary>
    public bool DependsOnRow { get; }

    /// <summary>
    /// Writes baseline <paramref name="index"/> of <paramref name="row"/> for input <paramref name="input"/>, whose
    /// record in that row is <paramref name="record"/>. Shuffles are drawn in order from a generator seeded by the
    /// row, so rewriting a baseline reproduces it exactly.
    /// </summary>
    public void Write(int input, int row, int index, ReadOnlySpan<float> record, Span<float> destination) =>
        _inputs[input].Write(row, index, record, destination);

    public static async Task<ResolvedBaselines> ResolveAsync(AttributionBaselines choice, BatchRunner runner, PredictionTarget target,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(choice);
        ArgumentNullException.ThrowIfNull(choice.Sequence);
        var shapes = runner.Evaluator.Inputs;
        if (shapes.Count == 0) throw new ArgumentException("the model has no inputs to take baselines for");
        var names = shapes.Select(s => s.Name).ToList();
        foreach (var name in choice.Others.Keys)
        {
            var k = names.IndexOf(name);
            if (k < 0) throw new ArgumentException($"a baseline is given for input '{name}', which the model does not have; its inputs are: {string.Join(", ", names)}");
            if (k == 0) throw new ArgumentException($"the baseline of the sequence input '{name}' is set by AttributionBaselines.Sequence, not among the others");
        }

        var lowestRows = new Dictionary<LowestScoringBaseline, int[]>(ReferenceEqualityComparer.Instance);
        var inputs = new InputBaseline[shapes.Count];
        for (var k = 0; k < shapes.Count; k++)
        {
            var shape = shapes[k];
            var baseline = k == 0 ? choice.Sequence : choice.Others.GetValueOrDefault(shape.Name) ?? Baseline.Zeros;
            inputs[k] = baseline switch
            {
                ZeroBaseline => new FixedRecords([new float[shape.RecordSize]]),
                UniformBaseline => new FixedRecords([Filled(shape, _ => 1f / shape.Channels)]),
                FrequencyBaseline f => new FixedRecords([Frequencies(shape, f)]),
                ShuffleBaseline s => new ShuffledSequence(Shuffleable(shapes, k), s),
                CustomBaseline c => new FixedRecords(Custom(shape, c)),
                LowestScoringBaseline l => new FixedRecords([MeanOf(l, k, shape,
                    lowestRows.TryGetValue(l, out var rows) ? rows : lowestRows[l] = await LowestRowsAsync(l, runner, target, cancellationToken).ConfigureAwait(false))]),
                _ => throw new ArgumentException($"unsupported baseline {baseline.GetType().Name} for input '{shape.Name}'"),
            };
        }

        var count = inputs.Max(b => b.Count);
        for (var k = 0; k < inputs.Length; k++)
            if (inputs[k].Count != 1 && inputs[k].Count != count)
            {
                var other = Array.FindIndex(inputs, b => b.Count == count);
                throw new ArgumentException(
                    $"input '{shapes[k].Name}' has {inputs[k].Count} baselines and input '{shapes[other].Name}' has {count}; " +
                    "inputs with several baselines must have the same number");
            }
        return new ResolvedBaselines(inputs, count);
    }

    private static float[] Filled(ModelInputShape shape, Func<int, float> channelValue)
    {
        var record = new float[shape.RecordSize];
        for (var c = 0; c < shape.Channels; c++) record.AsSpan(c * shape.Length, shape.Length).Fill(channelValue(c));
        return record;
    }

    private static float[] Frequencies(ModelInputShape shape, FrequencyBaseline baseline)
    {
        if (baseline.PerChannel.Count != shape.Channels)
            throw new ArgumentException(
                $"the frequency baseline for input '{shape.Name}' has {baseline.PerChannel.Count} values; expected {shape.Channels} (one per channel)");
        return Filled(shape, c => baseline.PerChannel[c]);
    }

    private static ModelInputShape Shuffleable(IReadOnlyList<ModelInputShape> shapes, int input)
    {
        if (input != 0)
            throw new ArgumentException(
                $"shuffle baselines apply only to the sequence input '{shapes[0].Name}'; input '{shapes[input].Name}' " +
                "takes a zeros, uniform, frequency, lowest-scoring or custom baseline");
        return InputChecks.Sequence(shapes, "a shuffle baseline");
    }

    private static float[][] Custom(ModelInputShape shape, CustomBaseline baseline)
    {
        for (var i = 0; i < baseline.Records.Count; i++)
        {
            var record = baseline.Records[i];
            if (record is null || record.Length != shape.RecordSize)
                throw new ArgumentException(
                    $"custom baseline record {i} for input '{shape.Name}' has {record?.Length ?? 0} values; " +
                    $"expected {shape.RecordSize} ({shape.Channels} channels × {shape.Length} positions)");
        }
        return [.. baseline.Records];
    }

    private static async Task<int[]> LowestRowsAsync(LowestScoringBaseline baseline, BatchRunner runner, PredictionTarget target,
        CancellationToken cancellationToken)
    {
        var shapes = runner.Evaluator.Inputs;
        if (baseline.ReferenceInputs.Count != shapes.Count)
            throw new ArgumentException(
                $"the lowest-scoring baseline's reference set has {baseline.ReferenceInputs.Count} input arrays; " +
                $"expected {shapes.Count} ({string.Join(", ", shapes.Select(s => s.Name))})");
        var rows = baseline.ReferenceRows;
        for (var k = 0; k < shapes.Count; k++)
        {
            var expected = (long)rows * shapes[k].RecordSize;
            if (baseline.ReferenceInputs[k]?.Length != expected)
                throw new ArgumentException(
                    $"reference input '{shapes[k].Name}' has {baseline.ReferenceInputs[k]?.Length ?? 0} values; expected {expected} " +
                    $"({rows} rows × {shapes[k].Channels} channels × {shapes[k].Length} positions)");
        }

        var scores = new double[rows];
        await runner.RunAsync(CallKind.Predict, Enumerable.Range(0, rows).Select(r => (r, 0)),
            (batch, slot, row, _) =>
            {
                for (var k = 0; k < shapes.Count; k++)
                {
                    var size = shapes[k].RecordSize;
                    baseline.ReferenceInputs[k].AsSpan(row * size, size).CopyTo(batch.Record(k, slot));
                }
            },
            (batch, slot, row, _) => scores[row] = target.Score(batch.RawRow(slot)),
            cancellationToken).ConfigureAwait(false);

        var nan = Array.FindIndex(scores, double.IsNaN);
        if (nan >= 0) throw new InvalidOperationException($"reference row {nan} scores NaN; the lowest-scoring rows are undefined");
        // A stable sort: among equal scores the earlier reference row wins.
        return [.. Enumerable.Range(0, rows).OrderBy(r => scores[r]).Take(baseline.Count)];
    }

    private static float[] MeanOf(LowestScoringBaseline baseline, int input, ModelInputShape shape, int[] rows)
    {
        var size = shape.RecordSize;
        var sum = new double[size];
        foreach (var row in rows)
        {
            var record = baseline.ReferenceInputs[input].AsSpan(row * size, size);
            for (var e = 0; e < size; e++) sum[e] += record[e];
        }
        var mean = new float[size];
        for (var e = 0; e < size; e++) mean[e] = (float)(sum[e] / rows.Length);
        return mean;
    }

    private abstract class InputBaseline
    {
        public abstract int Count { get; }

        public abstract bool DependsOnRow { get; }

        public abstract void Write(int row, int index, ReadOnlySpan<float> record, Span<float> destination);
    }

    private sealed class FixedRecords(float[][] records) : InputBaseline
    {
        public override int Count => records.Length;

        public override bool DependsOnRow => false;

        public override void Write(int row, int index, ReadOnlySpan<float> record, Span<float> destination) =>
            records[records.Length == 1 ? 0 : index].CopyTo(destination);
    }

    private sealed class ShuffledSequence(ModelInputShape shape, ShuffleBaseline spec) : InputBaseline
    {
        private readonly byte[] _codes = new byte[shape.Length];
        private readonly byte[] _shuffled = new byte[shape.Length];
        private Random? _random;
        private int _row = -1;
        private int _next;
        private float _unknownValue;

        public override int Count => spec.Count;

        public override bool DependsOnRow => true;

        public override void Write(int row, int index, ReadOnlySpan<float> record, Span<float> destination)
        {
            if (_random is null || row != _row || index < _next)
            {
                _random = new Random(RowSeed(spec.Seed, row));
                _row = row;
                _next = 0;
                NucleotideCodes.FromOneHot(record, _codes);
                _unknownValue = UnknownValue(record, _codes);
            }
            for (; _next <= index; _next++)
            {
                if (spec.Dinucleotide) Shuffling.DinucleotideShuffle(_codes, _shuffled, _random);
                else Shuffling.Shuffle(_codes, _shuffled, _random);
            }
            NucleotideCodes.WriteOneHot(_shuffled, destination, _unknownValue);
        }

        // N columns keep the encoding the input gave them (all zeros, or e.g. 0.25 everywhere) when they move.
        private static float UnknownValue(ReadOnlySpan<float> record, ReadOnlySpan<byte> codes)
        {
            var length = codes.Length;
            for (var i = 0; i < length; i++)
            {
                if (codes[i] != NucleotideCodes.Unknown) continue;
                var value = record[i];
                for (var c = 1; c < 4; c++) if (record[c * length + i] != value) return 0f;
                return value;
            }
            return 0f;
        }

        // A SplitMix64 finaliser of (seed, row): rows get unrelated streams, and a row's shuffles can be drawn again
        // on their own, without replaying the rows before it.
        private static int RowSeed(int seed, int row)
        {
            var z = ((ulong)(uint)seed << 32) | (uint)row;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            z ^= z >> 31;
            return (int)(z & int.MaxValue);
        }
    }
}
