namespace RbpPipeline.Interpretation.Attribution;

public sealed record IntegratedGradientsOptions
{
    /// <summary>Quadrature steps (intervals for the trapezoid rule, which then evaluates Steps + 1 points).</summary>
    public int Steps { get; init; } = 50;

    public IntegrationRule Rule { get; init; } = IntegrationRule.GaussLegendre;

    /// <summary>Also return hypothetical contributions of the sequence input (<see cref="IntegratedGradientsRow.Hypothetical"/>).</summary>
    public bool Hypothetical { get; init; }

    /// <summary>Evaluator calls kept running at once while the next batch is filled.</summary>
    public int MaxCallsInFlight { get; init; } = 2;
}

/// <summary>
/// Integrated gradients of one row. <see cref="Attributions"/>: one array per model input, [channels, length];
/// <see cref="Score"/> f(x) and <see cref="BaselineScore"/> f(b) (the mean over the row's baselines) in the target's
/// space; <see cref="ConvergenceDelta"/> = Σ attributions over all inputs − (f(x) − f(b)), computed in float64 from the
/// accumulated sums, which is 0 for an exact integral (completeness).
/// <para>
/// <see cref="Hypothetical"/> (when asked for), [4, length] for the sequence input: h[c, l] = ḡ[c, l] − Σ_c′ ḡ[c′, l]·b[c′, l],
/// where ḡ = Σᵢ wᵢ ∇f(b + αᵢ(x − b)) is the path-averaged gradient — what position l would contribute, with the same
/// multipliers, had it held base c (a one-hot column eₖ in place of x's). For a one-hot x whose base at l is t,
/// h[t, l] = Σ_c attribution[c, l]. With several baselines both terms are averaged over them, and the identity holds
/// for the averages. At N columns (no one-hot) the identity does not apply.
/// </para>
/// </summary>
public sealed record IntegratedGradientsRow(
    IReadOnlyList<float[]> Attributions, double Score, double BaselineScore, double ConvergenceDelta, float[]? Hypothetical);

/// <summary>
/// Integrated gradients (Sundararajan et al. 2017) of a <see cref="PredictionTarget"/>: for each row x and baseline b,
/// (x − b) ⊙ ∫₀¹ ∇f(b + α(x − b)) dα over every input at once (all inputs move along the path together), the integral
/// by <see cref="Quadrature"/>. All (row, baseline, node) points are streamed through the evaluator in batches of its
/// preferred size; gradients are folded into per-row float64 sums as batches come back.
/// </summary>
public sealed class IntegratedGradients
{
    private readonly IModelEvaluator _evaluator;
    private readonly PredictionTarget _target;
    private readonly QuadratureNodes _nodes;

    public IntegratedGradients(IModelEvaluator evaluator, PredictionTarget target, IntegratedGradientsOptions? options = null)
    {
        InputChecks.Target(evaluator, target);
        _evaluator = evaluator;
        _target = target;
        Options = options ?? new IntegratedGradientsOptions();
        if (Options.Steps < 1)
            throw new ArgumentException($"Steps is {Options.Steps}; integrated gradients needs at least 1 step", nameof(options));
        InputChecks.CallsInFlight(Options.MaxCallsInFlight);
        _nodes = Quadrature.For(Options.Rule, Options.Steps);
        if (Options.Hypothetical) InputChecks.Sequence(evaluator.Inputs, "hypothetical contributions");
    }

    public IntegratedGradientsOptions Options { get; }

    /// <summary>
    /// Attributions of <paramref name="rows"/> rows given as one array per model input, [rows, channels, length],
    /// against <paramref name="baselines"/>.
    /// </summary>
    public async Task<IReadOnlyList<IntegratedGradientsRow>> ExplainAsync(IReadOnlyList<float[]> inputs, int rows,
        AttributionBaselines baselines, CancellationToken cancellationToken)
    {
        InputChecks.Inputs(_evaluator.Inputs, inputs, rows);
        ArgumentNullException.ThrowIfNull(baselines);
        var runner = new BatchRunner(_evaluator, _target, Options.MaxCallsInFlight);
        var resolved = await ResolvedBaselines.ResolveAsync(baselines, runner, _target, cancellationToken).ConfigureAwait(false);
        if ((long)resolved.Count * _nodes.Count > int.MaxValue)
            throw new ArgumentException($"{resolved.Count} baselines × {_nodes.Count} nodes is too many path points per row");
        if (rows == 0) return [];
        var explanation = new Explanation(this, runner, inputs, rows, resolved);
        await explanation.EndpointsAsync(cancellationToken).ConfigureAwait(false);
        await explanation.PathAsync(cancellationToken).ConfigureAwait(false);
        return explanation.Results;
    }

    /// <summary>The state of one request.</summary>
    private sealed class Explanation
    {
        private readonly IntegratedGradients _owner;
        private readonly BatchRunner _runner;
        private readonly IReadOnlyList<float[]> _inputs;
        private readonly int[] _sizes;
        private readonly int _rows;
        private readonly ResolvedBaselines _baselines;
        private readonly int _baselineCount;
        private readonly double[] _alphas;
        private readonly double[] _weights;
        private readonly double[] _scores;
        private readonly double[] _baselineScores;
        private readonly IntegratedGradientsRow[] _results;

        // Baselines and x − b of the (row, baseline) pairs whose points are not all consumed yet, in a ring indexed
        // by pair number. Unconsumed points fill at most MaxCallsInFlight batches, which span fewer pairs than the
        // ring holds, so a pair's slot is reused only after its last point was consumed.
        private readonly int _ringPairs;
        private readonly float[][] _ringBaselines;
        private readonly float[][] _ringDifferences;

        private readonly Dictionary<int, RowSums> _open = [];
        private readonly Stack<RowSums> _spare = new();

        public Explanation(IntegratedGradients owner, BatchRunner runner, IReadOnlyList<float[]> inputs, int rows, ResolvedBaselines baselines)
        {
            _owner = owner;
            _runner = runner;
            _inputs = inputs;
            _sizes = [.. owner._evaluator.Inputs.Select(s => s.RecordSize)];
            _rows = rows;
            _baselines = baselines;
            _baselineCount = baselines.Count;
            _alphas = [.. owner._nodes.Alphas];
            _weights = [.. owner._nodes.Weights];
            _scores = new double[rows];
            _baselineScores = new double[rows];
            _results = new IntegratedGradientsRow[rows];
            var batch = owner._evaluator.PreferredBatchSize;
            _ringPairs = owner.Options.MaxCallsInFlight * (batch / _alphas.Length + 2) + 2;
            _ringBaselines = [.. _sizes.Select(size => new float[size * _ringPairs])];
            _ringDifferences = [.. _sizes.Select(size => new float[size * _ringPairs])];
        }

        public IntegratedGradientsRow[] Results => _results;

        private int Nodes => _alphas.Length;

        private ReadOnlySpan<float> Input(int input, int row) => _inputs[input].AsSpan(row * _sizes[input], _sizes[input]);

        private Span<float> RingBaseline(int input, int pairSlot) => _ringBaselines[input].AsSpan(pairSlot * _sizes[input], _sizes[input]);

        private Span<float> RingDifference(int input, int pairSlot) => _ringDifferences[input].AsSpan(pairSlot * _sizes[input], _sizes[input]);

        private int PairSlot(int row, int baseline) => (int)(((long)row * _baselineCount + baseline) % _ringPairs);

        /// <summary>
        /// f(x) and f(b) where the path does not reach them: α = 1 or α = 0 is not a node. Shared baselines are scored
        /// once for all rows.
        /// </summary>
        public async Task EndpointsAsync(CancellationToken cancellationToken)
        {
            var needInputs = !_owner._nodes.IncludesEnd;
            var needBaselines = !_owner._nodes.IncludesStart;
            if (!needInputs && !needBaselines) return;
            var shared = !_baselines.DependsOnRow;
            var sharedScore = 0.0;
            var target = _owner._target;
            await _runner.RunAsync(CallKind.Predict, EndpointPoints(needInputs, needBaselines, shared),
                (batch, slot, row, tag) =>
                {
                    var source = Math.Max(row, 0);
                    for (var k = 0; k < _sizes.Length; k++)
                    {
                        if (tag < 0) Input(k, row).CopyTo(batch.Record(k, slot));
                        else _baselines.Write(k, source, tag, Input(k, source), batch.Record(k, slot));
                    }
                },
                (batch, slot, row, tag) =>
                {
                    var score = target.Score(batch.RawRow(slot));
                    if (tag < 0) _scores[row] = score;
                    else if (row < 0) sharedScore += score / _baselineCount;
                    else _baselineScores[row] += score / _baselineCount;
                },
                cancellationToken).ConfigureAwait(false);
            if (shared && needBaselines) Array.Fill(_baselineScores, sharedScore);
        }

        /// <summary>Tag −1: the row's input; tag j ≥ 0: its baseline j (row −1: a baseline every row shares).</summary>
        private IEnumerable<(int Row, int Tag)> EndpointPoints(bool inputs, bool baselines, bool shared)
        {
            if (shared)
            {
                if (inputs) for (var r = 0; r < _rows; r++) yield return (r, -1);
                if (baselines) for (var j = 0; j < _baselineCount; j++) yield return (-1, j);
                yield break;
            }
            for (var r = 0; r < _rows; r++)
            {
                if (inputs) yield return (r, -1);
                if (baselines) for (var j = 0; j < _baselineCount; j++) yield return (r, j);
            }
        }

        /// <summary>The path points, tagged j · nodes + i for baseline j and node i, row by row.</summary>
        public Task PathAsync(CancellationToken cancellationToken) =>
            _runner.RunAsync(CallKind.TargetGradient, PathPoints(), FillPathPoint, ConsumePathPoint, cancellationToken);

        private IEnumerable<(int Row, int Tag)> PathPoints()
        {
            var perRow = _baselineCount * Nodes;
            for (var r = 0; r < _rows; r++)
                for (var t = 0; t < perRow; t++) yield return (r, t);
        }

        private void FillPathPoint(PointBatch batch, int slot, int row, int tag)
        {
            var (baseline, node) = Math.DivRem(tag, Nodes);
            var pairSlot = PairSlot(row, baseline);
            if (node == 0)
                for (var k = 0; k < _sizes.Length; k++)
                {
                    var x = Input(k, row);
                    var b = RingBaseline(k, pairSlot);
                    _baselines.Write(k, row, baseline, x, b);
                    var d = RingDifference(k, pairSlot);
                    for (var e = 0; e < d.Length; e++) d[e] = x[e] - b[e];
                }
            var alpha = _alphas[node];
            var a = (float)alpha;
            for (var k = 0; k < _sizes.Length; k++)
            {
                var destination = batch.Record(k, slot);
                // The end points are written exactly, so that their raw outputs are f(b) and f(x) themselves.
                if (alpha == 0) RingBaseline(k, pairSlot).CopyTo(destination);
                else if (alpha == 1) Input(k, row).CopyTo(destination);
                else
                {
                    Kernels.Lerp(RingBaseline(k, pairSlot), RingDifference(k, pairSlot), a, destination);
                }
            }
            // The quadrature weight and the mean over baselines ride on the output weights, so the evaluator returns
            // each point's share of the averaged integral and consuming is a plain sum.
            batch.Scales[slot] = (float)(_weights[node] / _baselineCount);
        }

        private void ConsumePathPoint(PointBatch batch, int slot, int row, int tag)
        {
            var (baseline, node) = Math.DivRem(tag, Nodes);
            var pairSlot = PairSlot(row, baseline);
            var sums = Open(row);
            for (var k = 0; k < _sizes.Length; k++) Kernels.MultiplyAdd(RingDifference(k, pairSlot), batch.Gradient(k, slot), sums.Attributions[k]);
            if (sums.Gradient is { } gradient && sums.Correction is { } correction)
            {
                var g = batch.Gradient(0, slot);
                var x = Input(0, row);
                ReadOnlySpan<float> d = RingDifference(0, pairSlot);
                var length = correction.Length;
                Kernels.Add(g, gradient);
                // b = x − d, from the same d as the attributions, so that h[t, l] = Σ_c attribution[c, l] holds to rounding.
                for (var c = 0; c < 4; c++)
                    Kernels.MultiplyDifferenceAdd(g.Slice(c * length, length), x.Slice(c * length, length), d.Slice(c * length, length), correction);
            }
            if (_alphas[node] == 0) _baselineScores[row] += _owner._target.Score(batch.RawRow(slot)) / _baselineCount;
            if (_alphas[node] == 1) _scores[row] = _owner._target.Score(batch.RawRow(slot));
            if (tag == _baselineCount * Nodes - 1) Close(row);
        }

        private RowSums Open(int row)
        {
            if (_open.TryGetValue(row, out var sums)) return sums;
            if (_spare.TryPop(out sums)) sums.Clear();
            else sums = new RowSums(_sizes, _owner.Options.Hypothetical ? _owner._evaluator.Inputs[0].Length : 0);
            _open[row] = sums;
            return sums;
        }

        private void Close(int row)
        {
            var sums = _open[row];
            _open.Remove(row);
            var total = 0.0;
            var attributions = new float[_sizes.Length][];
            for (var k = 0; k < _sizes.Length; k++)
            {
                var source = sums.Attributions[k];
                var attribution = attributions[k] = new float[source.Length];
                for (var e = 0; e < source.Length; e++)
                {
                    total += source[e];
                    attribution[e] = (float)source[e];
                }
            }
            float[]? hypothetical = null;
            if (sums.Gradient is { } gradient && sums.Correction is { } correction)
            {
                hypothetical = new float[gradient.Length];
                var length = correction.Length;
                for (var c = 0; c < 4; c++)
                    for (int l = 0, e = c * length; l < length; l++, e++) hypothetical[e] = (float)(gradient[e] - correction[l]);
            }
            var delta = total - (_scores[row] - _baselineScores[row]);
            _results[row] = new IntegratedGradientsRow(attributions, _scores[row], _baselineScores[row], delta, hypothetical);
            _spare.Push(sums);
        }
    }

    /// <summary>One row's float64 running sums: (x − b) ⊙ gradient per input; for hypothetical contributions, ḡ and Σ_c ḡ·b per position.</summary>
    private sealed class RowSums
    {
        public RowSums(int[] sizes, int hypotheticalLength)
        {
            Attributions = [.. sizes.Select(size => new double[size])];
            if (hypotheticalLength > 0)
            {
                Gradient = new double[4 * hypotheticalLength];
                Correction = new double[hypotheticalLength];
            }
        }

        public double[][] Attributions { get; }

        public double[]? Gradient { get; }

        public double[]? Correction { get; }

        public void Clear()
        {
            foreach (var sums in Attributions) Array.Clear(sums);
            if (Gradient is not null) Array.Clear(Gradient);
            if (Correction is not null) Array.Clear(Correction);
        }
    }
}
