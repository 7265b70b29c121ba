using RbpPipeline.Interpretation.Backgrounds;
using RbpPipeline.Interpretation.Sequences;

namespace RbpPipeline.Interpretation.Tests.Gia;

/// <summary>
/// A model given as a closed-form function of a record's sequence codes (read back from the one-hot rows, so the
/// batches the analysis writes are checked as a model would see them) and its track rows. Counts calls and rows.
/// </summary>
internal sealed class ClosedFormEvaluator : IModelEvaluator
{
    private readonly Func<byte[], float[][], double> _function;
    private long _rows;
    private long _calls;

    public ClosedFormEvaluator(int length, Func<byte[], float[][], double> function, IReadOnlyList<ModelInputShape>? tracks = null,
        int batchSize = 128)
    {
        _function = function;
        Inputs = [new ModelInputShape("sequence", 4, length), .. tracks ?? []];
        PreferredBatchSize = batchSize;
    }

    public ClosedFormEvaluator(int length, Func<string, double> function, int batchSize = 128)
        : this(length, (codes, _) => function(NucleotideCodes.ToString(codes)), null, batchSize) { }

    public IReadOnlyList<ModelInputShape> Inputs { get; }

    public int OutputColumns => 1;

    public int PreferredBatchSize { get; }

    public long Rows => Interlocked.Read(ref _rows);

    public long Calls => Interlocked.Read(ref _calls);

    public Task<float[]> PredictAsync(IReadOnlyList<float[]> inputs, int rows, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Assert.Equal(Inputs.Count, inputs.Count);
        for (var i = 0; i < Inputs.Count; i++) Assert.Equal(rows * Inputs[i].RecordSize, inputs[i].Length);
        Interlocked.Add(ref _rows, rows);
        Interlocked.Increment(ref _calls);
        var length = Inputs[0].Length;
        var raw = new float[rows];
        var codes = new byte[length];
        for (var r = 0; r < rows; r++)
        {
            NucleotideCodes.FromOneHot(inputs[0].AsSpan(r * 4 * length, 4 * length), codes);
            var tracks = new float[Inputs.Count - 1][];
            for (var t = 1; t < Inputs.Count; t++)
                tracks[t - 1] = inputs[t].AsSpan(r * Inputs[t].RecordSize, Inputs[t].RecordSize).ToArray();
            raw[r] = (float)_function(codes, tracks);
        }
        return Task.FromResult(raw);
    }

    public Task<(float[][] Gradients, float[] Raw)> GradientAsync(IReadOnlyList<float[]> inputs, float[] outputWeights, int rows,
        CancellationToken cancellationToken) => throw new NotSupportedException("GIA needs forward calls only");
}

/// <summary>Shared oracles: a raw-score target, motif counting, and explicit embedding on strings.</summary>
internal static class Oracle
{
    public static PredictionTarget RawTarget { get; } =
        new([new OutputColumnKind(RbpPipeline.Contracts.Manifests.TaskType.Regression, 0, 1)], [1f], TargetSpace.Raw);

    /// <summary>Occurrences of <paramref name="motif"/> in <paramref name="sequence"/>, overlapping ones included.</summary>
    public static int Count(string sequence, string motif)
    {
        var count = 0;
        for (var i = sequence.IndexOf(motif, StringComparison.Ordinal); i >= 0; i = sequence.IndexOf(motif, i + 1, StringComparison.Ordinal))
            count++;
        return count;
    }

    /// <summary>2 per UGUAUA, 0.5 per ACUAAC, 0.01 per G: the motif-counting model of the tests.</summary>
    public static double MotifModel(string sequence) =>
        2.0 * Count(sequence, "UGUAUA") + 0.5 * Count(sequence, "ACUAAC") + 0.01 * sequence.Count(c => c == 'G');

    /// <summary><paramref name="background"/> with <paramref name="pattern"/> written at <paramref name="position"/> (N keeps the base).</summary>
    public static string Embed(string background, string pattern, int position)
    {
        var chars = background.ToCharArray();
        for (var i = 0; i < pattern.Length; i++)
            if (pattern[i] != 'N') chars[position + i] = pattern[i];
        return new string(chars);
    }

    /// <summary>Mean and standard error (sample standard deviation / √n) of explicit local effects.</summary>
    public static (double Mean, double StandardError, double[] Effects) Importance(IReadOnlyList<string> backgrounds,
        Func<string, string> embed, Func<string, double> model)
    {
        var effects = backgrounds.Select(b => (double)(float)model(embed(b)) - (float)model(b)).ToArray();
        var mean = effects.Average();
        var variance = effects.Sum(e => (e - mean) * (e - mean)) / (effects.Length - 1);
        return (mean, Math.Sqrt(variance / effects.Length), effects);
    }

    public static string RandomSequence(Random random, int length, string alphabet = "ACGU") =>
        new([.. Enumerable.Range(0, length).Select(_ => alphabet[random.Next(alphabet.Length)])]);

    public static IReadOnlyList<string> Strings(BackgroundSet set) =>
        [.. Enumerable.Range(0, set.Count).Select(i => NucleotideCodes.ToString(set.Sequence(i)))];
}
