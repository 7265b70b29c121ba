using RbpPipeline.Contracts.Manifests;
using RbpPipeline.Interpretation.Sequences;

namespace RbpPipeline.Interpretation.Tests.Attribution;

/// <summary>A model with closed-form raw outputs and input gradients, in float64, on records (one double[] per input).</summary>
internal abstract class ClosedFormModel(IReadOnlyList<ModelInputShape> inputs, int columns)
{
    public IReadOnlyList<ModelInputShape> Inputs { get; } = inputs;

    public int Columns { get; } = columns;

    public abstract double[] Raw(double[][] x);

    /// <summary>∂(Σ_c weights[c] · raw_c)/∂x, one array per input.</summary>
    public abstract double[][] Gradient(double[][] x, double[] weights);

    /// <summary>u_c = Σ W_c ⊙ x + bias_c over every input.</summary>
    protected static double Linear(double[][][] w, double[] bias, int c, double[][] x)
    {
        var sum = bias[c];
        for (var k = 0; k < x.Length; k++)
            for (var e = 0; e < x[k].Length; e++) sum += w[c][k][e] * x[k][e];
        return sum;
    }

    protected double[][] Combination(double[][][] w, double[] coefficients)
    {
        var g = Inputs.Select(s => new double[s.RecordSize]).ToArray();
        for (var c = 0; c < coefficients.Length; c++)
            for (var k = 0; k < g.Length; k++)
                for (var e = 0; e < g[k].Length; e++) g[k][e] += coefficients[c] * w[c][k][e];
        return g;
    }

    public static double[][][] RandomWeights(IReadOnlyList<ModelInputShape> inputs, int columns, int seed, double scale)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, columns).Select(_ => inputs.Select(s =>
            Enumerable.Range(0, s.RecordSize).Select(_ => scale * (2 * random.NextDouble() - 1)).ToArray()).ToArray())];
    }
}

/// <summary>raw_c = Σ W_c ⊙ x + bias_c: integrated gradients is (x − b) ⊙ Σ_c t_c W_c exactly for any rule.</summary>
internal sealed class LinearModel(IReadOnlyList<ModelInputShape> inputs, double[][][] w, double[] bias) : ClosedFormModel(inputs, bias.Length)
{
    public double[][][] W { get; } = w;

    public override double[] Raw(double[][] x) => [.. Enumerable.Range(0, Columns).Select(c => Linear(W, bias, c, x))];

    public override double[][] Gradient(double[][] x, double[] weights) => Combination(W, weights);
}

/// <summary>
/// Three columns of one linear map u = W x + bias: raw₀ = 2 tanh u₀, raw₁ = softplus u₁ + ½ u₀u₁, raw₂ = u₂ − 0.3 u₀².
/// </summary>
internal sealed class NonlinearModel(IReadOnlyList<ModelInputShape> inputs, double[][][] w, double[] bias) : ClosedFormModel(inputs, 3)
{
    public override double[] Raw(double[][] x)
    {
        var u = U(x);
        return [2 * Math.Tanh(u[0]), Math.Log(1 + Math.Exp(u[1])) + 0.5 * u[0] * u[1], u[2] - 0.3 * u[0] * u[0]];
    }

    public override double[][] Gradient(double[][] x, double[] weights)
    {
        var u = U(x);
        var t = Math.Tanh(u[0]);
        var sigmoid = 1 / (1 + Math.Exp(-u[1]));
        return Combination(w,
        [
            weights[0] * 2 * (1 - t * t) + weights[1] * 0.5 * u[1] - weights[2] * 0.6 * u[0],
            weights[1] * (sigmoid + 0.5 * u[0]),
            weights[2],
        ]);
    }

    private double[] U(double[][] x) => [.. Enumerable.Range(0, 3).Select(c => Linear(w, bias, c, x))];
}

/// <summary>
/// An <see cref="IModelEvaluator"/> over a <see cref="ClosedFormModel"/> that checks every call's shapes, counts rows
/// and calls, and can hold calls back to observe concurrency or run a hook on each call.
/// </summary>
internal sealed class ClosedFormEvaluator(ClosedFormModel model, int batchSize) : IModelEvaluator
{
    private readonly TaskCompletionSource _concurrencyReached = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _lock = new();
    private int _inFlight;
    private int _calls;

    public ClosedFormModel Model => model;

    public IReadOnlyList<ModelInputShape> Inputs => model.Inputs;

    public int OutputColumns => model.Columns;

    public int PreferredBatchSize => batchSize;

    public int PredictRows;
    public int GradientRows;
    public int MaxInFlight;

    /// <summary>Calls wait (once, up to a timeout) until this many run at the same time; 0: no waiting.</summary>
    public int HoldUntilConcurrent { get; init; }

    /// <summary>Runs at the start of every call with its 1-based number.</summary>
    public Action<int>? OnCall { get; init; }

    /// <summary>When set, every gradient call's points (inputs per row) are appended in call order.</summary>
    public List<double[][]>? RecordedGradientPoints { get; init; }

    public int Calls => _calls;

    public async Task<float[]> PredictAsync(IReadOnlyList<float[]> inputs, int rows, CancellationToken cancellationToken)
    {
        await EnterAsync(inputs, rows);
        try
        {
            Interlocked.Add(ref PredictRows, rows);
            var raw = new float[rows * model.Columns];
            for (var r = 0; r < rows; r++)
            {
                var values = model.Raw(Row(inputs, r));
                for (var c = 0; c < model.Columns; c++) raw[r * model.Columns + c] = (float)values[c];
            }
            return raw;
        }
        finally { Interlocked.Decrement(ref _inFlight); }
    }

    public async Task<(float[][] Gradients, float[] Raw)> GradientAsync(IReadOnlyList<float[]> inputs, float[] outputWeights, int rows,
        CancellationToken cancellationToken)
    {
        await EnterAsync(inputs, rows);
        try
        {
            Assert.Equal(rows * model.Columns, outputWeights.Length);
            Interlocked.Add(ref GradientRows, rows);
            var gradients = model.Inputs.Select(s => new float[rows * s.RecordSize]).ToArray();
            var raw = new float[rows * model.Columns];
            for (var r = 0; r < rows; r++)
            {
                var x = Row(inputs, r);
                if (RecordedGradientPoints is { } recorded) lock (_lock) recorded.Add(x);
                var weights = Enumerable.Range(0, model.Columns).Select(c => (double)outputWeights[r * model.Columns + c]).ToArray();
                var g = model.Gradient(x, weights);
                for (var k = 0; k < g.Length; k++)
                    for (var e = 0; e < g[k].Length; e++) gradients[k][r * g[k].Length + e] = (float)g[k][e];
                var values = model.Raw(x);
                for (var c = 0; c < model.Columns; c++) raw[r * model.Columns + c] = (float)values[c];
            }
            return (gradients, raw);
        }
        finally { Interlocked.Decrement(ref _inFlight); }
    }

    private async Task EnterAsync(IReadOnlyList<float[]> inputs, int rows)
    {
        var call = Interlocked.Increment(ref _calls);
        var inFlight = Interlocked.Increment(ref _inFlight);
        lock (_lock) MaxInFlight = Math.Max(MaxInFlight, inFlight);
        Assert.InRange(rows, 1, batchSize);
        Assert.Equal(model.Inputs.Count, inputs.Count);
        for (var k = 0; k < inputs.Count; k++) Assert.Equal(rows * model.Inputs[k].RecordSize, inputs[k].Length);
        OnCall?.Invoke(call);
        await Task.Yield();
        if (HoldUntilConcurrent > 0)
        {
            if (inFlight >= HoldUntilConcurrent) _concurrencyReached.TrySetResult();
            await Task.WhenAny(_concurrencyReached.Task, Task.Delay(1000));
            // Waited once in vain: the caller never got that many calls going; let the rest run freely.
            _concurrencyReached.TrySetResult();
        }
    }

    private double[][] Row(IReadOnlyList<float[]> inputs, int row) =>
        [.. model.Inputs.Select((s, k) => inputs[k].AsSpan(row * s.RecordSize, s.RecordSize).ToArray().Select(v => (double)v).ToArray())];
}

/// <summary>Shapes, data and targets the attribution tests share.</summary>
internal static class Fixtures
{
    public const int Length = 12;

    public static IReadOnlyList<ModelInputShape> Shapes { get; } = [new("sequence", 4, Length), new("region", 2, Length)];

    public static LinearModel Linear(int seed = 1) =>
        new(Shapes, ClosedFormModel.RandomWeights(Shapes, 2, seed, 0.5), [0.3, -0.2]);

    public static NonlinearModel Nonlinear(int seed = 2) =>
        new(Shapes, ClosedFormModel.RandomWeights(Shapes, 3, seed, 0.25), [0.1, -0.3, 0.2]);

    /// <summary>Raw-space target over regression columns with the given weights.</summary>
    public static PredictionTarget RawTarget(params float[] weights) =>
        new([.. weights.Select(_ => new OutputColumnKind(TaskType.Regression, 0, 1))], weights, TargetSpace.Raw);

    /// <summary>Column 0 a binary task "bind", columns 1–2 a multiclass task "site" (a, b).</summary>
    public static IReadOnlyList<TaskInfo> BindAndSite { get; } =
    [
        new TaskInfo { Name = "bind", Type = TaskType.Binary },
        new TaskInfo { Name = "site", Type = TaskType.Multiclass, Classes = ["a", "b"] },
    ];

    /// <summary>Probability of "bind" plus 0.7 × softmax probability of "site/b".</summary>
    public static PredictionTarget ProbabilityTarget() =>
        PredictionTarget.ForTasks(BindAndSite, new Dictionary<string, float> { ["bind"] = 1f, ["site/b"] = 0.7f }, TargetSpace.Probability);

    /// <summary>The same target computed independently from raw outputs.</summary>
    public static double ProbabilityScore(double[] raw)
    {
        var bind = 1 / (1 + Math.Exp(-raw[0]));
        var siteB = Math.Exp(raw[2]) / (Math.Exp(raw[1]) + Math.Exp(raw[2]));
        return bind + 0.7 * siteB;
    }

    /// <summary>Random one-hot sequences (codes also returned) with the given positions of row 0 set to N (all zero).</summary>
    public static (float[] OneHot, byte[][] Codes) Sequences(int rows, int seed, int length = Length, params int[] unknownInRowZero)
    {
        var random = new Random(seed);
        var oneHot = new float[rows * 4 * length];
        var codes = new byte[rows][];
        for (var r = 0; r < rows; r++)
        {
            codes[r] = [.. Enumerable.Range(0, length).Select(_ => (byte)random.Next(4))];
            if (r == 0) foreach (var p in unknownInRowZero) codes[r][p] = NucleotideCodes.Unknown;
            NucleotideCodes.WriteOneHot(codes[r], oneHot.AsSpan(r * 4 * length, 4 * length));
        }
        return (oneHot, codes);
    }

    public static float[] Tracks(int rows, int seed, int channels = 2, int length = Length)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, rows * channels * length).Select(_ => (float)random.NextDouble())];
    }

    public static float[][] Inputs(int rows, int seed, params int[] unknownInRowZero) =>
        [Sequences(rows, seed, Length, unknownInRowZero).OneHot, Tracks(rows, seed + 100)];

    /// <summary>Row <paramref name="row"/> of every input as float64 records.</summary>
    public static double[][] Row(IReadOnlyList<float[]> inputs, int row, IReadOnlyList<ModelInputShape>? shapes = null) =>
        [.. (shapes ?? Shapes).Select((s, k) => inputs[k].AsSpan(row * s.RecordSize, s.RecordSize).ToArray().Select(v => (double)v).ToArray())];

    public static double[][] Records(params float[][] records) => [.. records.Select(r => r.Select(v => (double)v).ToArray())];

    public static double[] Weights(PredictionTarget target) => [.. target.ColumnWeights.Select(w => (double)w)];

    /// <summary>
    /// An independent oracle for integrated gradients: (x − b) ⊙ the mean of <paramref name="gradient"/> at the
    /// midpoints of <paramref name="steps"/> equal steps, in float64.
    /// </summary>
    public static double[][] MidpointIntegral(double[][] x, double[][] b, Func<double[][], double[][]> gradient, int steps = 2000)
    {
        var sum = x.Select(r => new double[r.Length]).ToArray();
        for (var i = 0; i < steps; i++)
        {
            var alpha = (i + 0.5) / steps;
            var point = x.Select((r, k) => r.Select((v, e) => b[k][e] + alpha * (v - b[k][e])).ToArray()).ToArray();
            var g = gradient(point);
            for (var k = 0; k < sum.Length; k++)
                for (var e = 0; e < sum[k].Length; e++) sum[k][e] += g[k][e] / steps;
        }
        return [.. sum.Select((s, k) => s.Select((v, e) => v * (x[k][e] - b[k][e])).ToArray())];
    }

    /// <summary>Central finite-difference gradient of a scalar function of records, in float64.</summary>
    public static double[][] FiniteDifferenceGradient(Func<double[][], double> f, double[][] x, double h = 1e-5)
    {
        var g = x.Select(r => new double[r.Length]).ToArray();
        for (var k = 0; k < x.Length; k++)
            for (var e = 0; e < x[k].Length; e++)
            {
                var saved = x[k][e];
                x[k][e] = saved + h;
                var up = f(x);
                x[k][e] = saved - h;
                var down = f(x);
                x[k][e] = saved;
                g[k][e] = (up - down) / (2 * h);
            }
        return g;
    }

    public static void Near(double[] expected, ReadOnlySpan<float> actual, double tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
            if (!(Math.Abs(expected[i] - actual[i]) <= tolerance))
                Assert.Fail($"{what}[{i}]: expected {expected[i]:R}, got {actual[i]:R} (tolerance {tolerance})");
    }
}
