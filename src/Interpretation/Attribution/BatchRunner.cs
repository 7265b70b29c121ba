namespace RbpPipeline.Interpretation.Attribution;

/// <summary>What each evaluator call of a run computes.</summary>
internal enum CallKind
{
    /// <summary>Raw outputs only.</summary>
    Predict,

    /// <summary>Raw outputs and the input gradient of the target (times each point's scale).</summary>
    TargetGradient,
}

/// <summary>
/// Streams points through an evaluator in batches of its preferred size, keeping up to a given number of calls in
/// flight. The caller's flow fills the next batch while earlier calls run; results are consumed in submission order
/// on that same flow, so consumers need no locks, and a batch's buffers are reused only after it was consumed.
/// One runner serves one request: its runs follow one another, never overlap.
/// </summary>
internal sealed class BatchRunner(IModelEvaluator evaluator, PredictionTarget target, int maxCallsInFlight)
{
    // Batches outlive a run, so the passes of one request (baselines, end points, path) share their buffers.
    private readonly Stack<PointBatch> _free = new();

    /// <summary>Writes the point (<paramref name="row"/>, <paramref name="tag"/>) into <paramref name="slot"/> of the batch.</summary>
    public delegate void FillPoint(PointBatch batch, int slot, int row, int tag);

    /// <summary>Reads the results of the point in <paramref name="slot"/>.</summary>
    public delegate void ConsumePoint(PointBatch batch, int slot, int row, int tag);

    public IModelEvaluator Evaluator => evaluator;

    public async Task RunAsync(CallKind kind, IEnumerable<(int Row, int Tag)> points, FillPoint fill, ConsumePoint consume,
        CancellationToken cancellationToken)
    {
        var inFlight = new Queue<(PointBatch Batch, Task Call)>();
        var capacity = evaluator.PreferredBatchSize;
        PointBatch? current = null;
        try
        {
            foreach (var (row, tag) in points)
            {
                if (current is null)
                {
                    while (inFlight.Count >= maxCallsInFlight) await ConsumeOldestAsync().ConfigureAwait(false);
                    cancellationToken.ThrowIfCancellationRequested();
                    current = _free.Count > 0 ? _free.Pop() : new PointBatch(evaluator.Inputs, evaluator.OutputColumns, capacity);
                    current.Count = 0;
                }
                var slot = current.Count++;
                current.Rows[slot] = row;
                current.Tags[slot] = tag;
                current.Scales[slot] = 1f;
                fill(current, slot, row, tag);
                if (current.Count == current.Capacity)
                {
                    inFlight.Enqueue((current, Start(kind, current, cancellationToken)));
                    current = null;
                }
            }
            if (current is { Count: > 0 })
            {
                cancellationToken.ThrowIfCancellationRequested();
                inFlight.Enqueue((current, Start(kind, current, cancellationToken)));
            }
            while (inFlight.Count > 0) await ConsumeOldestAsync().ConfigureAwait(false);
        }
        catch
        {
            // Calls already started still use our buffers: let them end (the token stops them early) and observe
            // their faults, so no evaluator work outlives the request unseen.
            while (inFlight.Count > 0)
            {
                try { await inFlight.Dequeue().Call.ConfigureAwait(false); }
                catch (Exception) { /* the first failure is the one reported */ }
            }
            throw;
        }

        async Task ConsumeOldestAsync()
        {
            var (batch, call) = inFlight.Dequeue();
            await call.ConfigureAwait(false);
            for (var slot = 0; slot < batch.Count; slot++) consume(batch, slot, batch.Rows[slot], batch.Tags[slot]);
            _free.Push(batch);
        }
    }

    // On the thread pool, so that an evaluator which computes before its first await still overlaps with filling.
    private Task Start(CallKind kind, PointBatch batch, CancellationToken cancellationToken) =>
        Task.Run(() => kind == CallKind.Predict ? PredictAsync(batch, cancellationToken) : TargetGradientAsync(batch, cancellationToken),
            cancellationToken);

    private async Task PredictAsync(PointBatch batch, CancellationToken cancellationToken)
    {
        var raw = await evaluator.PredictAsync(batch.CallInputs(), batch.Count, cancellationToken).ConfigureAwait(false);
        batch.SetResults(raw, []);
    }

    private async Task TargetGradientAsync(PointBatch batch, CancellationToken cancellationToken)
    {
        var inputs = batch.CallInputs();
        var weights = batch.CallWeights();
        var columns = batch.Columns;
        if (target.WeightsDependOnPoint)
        {
            // Probability-space weights are the target's derivative at the point's own raw outputs.
            var raw = await evaluator.PredictAsync(inputs, batch.Count, cancellationToken).ConfigureAwait(false);
            if (raw is null || raw.Length != batch.Count * columns)
                throw new InvalidOperationException($"the evaluator returned {raw?.Length ?? 0} raw outputs for {batch.Count} rows of {columns} columns");
            for (var slot = 0; slot < batch.Count; slot++)
                target.RawWeights(raw.AsSpan(slot * columns, columns), weights.AsSpan(slot * columns, columns));
        }
        else
        {
            // Without dependence on the point the derivative is the column weights themselves (classification
            // columns then carry weight 0), in either space.
            for (var slot = 0; slot < batch.Count; slot++)
                for (var c = 0; c < columns; c++) weights[slot * columns + c] = target.ColumnWeights[c];
        }
        for (var slot = 0; slot < batch.Count; slot++)
        {
            var scale = batch.Scales[slot];
            if (scale == 1f) continue;
            for (var c = 0; c < columns; c++) weights[slot * columns + c] *= scale;
        }
        var (gradients, rawAtPoints) = await evaluator.GradientAsync(inputs, weights, batch.Count, cancellationToken).ConfigureAwait(false);
        batch.SetResults(rawAtPoints, gradients ?? []);
        if (batch.Gradients.Length == 0 && batch.Inputs.Length != 0)
            throw new InvalidOperationException("the evaluator returned no gradients");
    }
}
