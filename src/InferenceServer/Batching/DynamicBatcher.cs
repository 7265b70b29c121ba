using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;
using RbpPipeline.InferenceServer.Execution;
using RbpPipeline.InferenceServer.Observability;

namespace RbpPipeline.InferenceServer.Batching;

/// <summary>How one model version's requests are merged into ONNX Runtime runs.</summary>
public sealed record BatcherSettings(int MaxBatchSize, TimeSpan MaxQueueDelay, int ExecutionWorkers);

/// <summary>Thrown to waiting requests when the batcher has been shut down.</summary>
public sealed class BatcherClosedException(string message) : Exception(message);

/// <summary>
/// The dynamic batcher of one model version. Requests (a number of rows of every input) are queued in a channel;
/// a collector forms a batch as soon as an execution worker is free: the first waiting request, then every request
/// that arrives within <see cref="BatcherSettings.MaxQueueDelay"/> of it, up to <see cref="BatcherSettings.MaxBatchSize"/>
/// rows. Batches run on dedicated threads (ONNX Runtime's Run is synchronous), so no thread-pool thread ever
/// blocks; results are sliced per request and completed through task sources that continue asynchronously.
/// Requests larger than the maximum batch are split. A cancelled request leaves the queue at once; when every
/// request of a running batch is cancelled the run itself is terminated (<see cref="RunOptions.Terminate"/>).
/// </summary>
public sealed class DynamicBatcher
{
    private readonly OnnxModelSession _session;
    private readonly BatcherSettings _settings;
    private readonly ServerMetrics _metrics;
    private readonly ILogger _logger;
    private readonly string _metricName;
    private readonly string[] _inputNames;
    private readonly int[] _inputRowSizes;
    private readonly long[][] _inputRowShapes;
    private readonly string[] _outputNames;
    private readonly int[] _outputColumns;
    private readonly Channel<WorkItem> _queue = Channel.CreateUnbounded<WorkItem>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Channel<Batch> _batches = Channel.CreateUnbounded<Batch>();
    private readonly SemaphoreSlim _freeWorkers;
    private readonly Task _collector;
    private readonly Thread[] _workers;
    private readonly TaskCompletionSource _workersDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _runningWorkers;

    /// <param name="inputs">Per graph input: its name and the shape of one row (without the batch dimension).</param>
    /// <param name="outputs">Per graph output to compute: its name and columns per row.</param>
    public DynamicBatcher(string metricName, OnnxModelSession session, IReadOnlyList<(string Name, long[] RowShape)> inputs,
        IReadOnlyList<(string Name, int Columns)> outputs, BatcherSettings settings, ServerMetrics metrics, ILogger logger)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(settings.MaxBatchSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(settings.ExecutionWorkers, 1);
        _metricName = metricName;
        _session = session;
        _settings = settings;
        _metrics = metrics;
        _logger = logger;
        _inputNames = [.. inputs.Select(i => i.Name)];
        _inputRowShapes = [.. inputs.Select(i => i.RowShape)];
        _inputRowSizes = [.. inputs.Select(i => checked((int)i.RowShape.Aggregate(1L, (a, b) => a * b)))];
        _outputNames = [.. outputs.Select(o => o.Name)];
        _outputColumns = [.. outputs.Select(o => o.Columns)];
        _freeWorkers = new SemaphoreSlim(settings.ExecutionWorkers, settings.ExecutionWorkers);
        _runningWorkers = settings.ExecutionWorkers;
        _workers = new Thread[settings.ExecutionWorkers];
        for (var i = 0; i < _workers.Length; i++)
        {
            _workers[i] = new Thread(WorkerLoop) { IsBackground = true, Name = $"rbp-ort {metricName} #{i}" };
            _workers[i].Start();
        }
        _collector = Task.Run(CollectAsync);
    }

    public IReadOnlyList<string> OutputNames => _outputNames;

    public IReadOnlyList<int> OutputColumns => _outputColumns;

    /// <summary>Completes when the collector and every worker have stopped after <see cref="Close"/>.</summary>
    public Task Completion => Task.WhenAll(_collector, _workersDone.Task);

    /// <summary>
    /// Predicts <paramref name="rows"/> rows. <paramref name="inputs"/> holds one array per graph input, each
    /// rows × (row size) floats. Returns one array per output, rows × columns floats.
    /// </summary>
    public async Task<float[][]> InferAsync(float[][] inputs, int rows, CancellationToken cancellationToken)
    {
        if (inputs.Length != _inputNames.Length) throw new ArgumentException($"{inputs.Length} inputs for a graph with {_inputNames.Length}");
        for (var i = 0; i < inputs.Length; i++)
            if (inputs[i].Length != (long)rows * _inputRowSizes[i])
                throw new ArgumentException($"input '{_inputNames[i]}' holds {inputs[i].Length} floats; {rows} rows need {(long)rows * _inputRowSizes[i]}");
        if (rows == 0) return [.. _outputColumns.Select(_ => Array.Empty<float>())];
        if (rows <= _settings.MaxBatchSize) return await Enqueue(inputs, rows, cancellationToken).ConfigureAwait(false);

        // Oversized: split into maximal chunks that run (and may be batched) independently, then join.
        var max = _settings.MaxBatchSize;
        var chunks = new List<Task<float[][]>>();
        for (var start = 0; start < rows; start += max)
        {
            var count = Math.Min(max, rows - start);
            var part = new float[inputs.Length][];
            for (var i = 0; i < inputs.Length; i++)
                part[i] = inputs[i].AsSpan(start * _inputRowSizes[i], count * _inputRowSizes[i]).ToArray();
            chunks.Add(Enqueue(part, count, cancellationToken));
        }
        var parts = await Task.WhenAll(chunks).ConfigureAwait(false);
        var joined = new float[_outputColumns.Length][];
        for (var o = 0; o < joined.Length; o++)
        {
            joined[o] = new float[(long)rows * _outputColumns[o]];
            var offset = 0;
            foreach (var part in parts)
            {
                part[o].CopyTo(joined[o], offset);
                offset += part[o].Length;
            }
        }
        return joined;
    }

    /// <summary>Stops accepting work; queued requests fail with <see cref="BatcherClosedException"/>.</summary>
    public void Close() => _queue.Writer.TryComplete();

    private Task<float[][]> Enqueue(float[][] inputs, int rows, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var item = new WorkItem(this, inputs, rows, cancellationToken);
        if (!_queue.Writer.TryWrite(item))
            return Task.FromException<float[][]>(new BatcherClosedException($"model {_metricName} is being unloaded"));
        _metrics.AddQueueDepth(_metricName, 1);
        item.Register();
        return item.Task;
    }

    private async Task CollectAsync()
    {
        var reader = _queue.Reader;
        WorkItem? carry = null;
        try
        {
            while (true)
            {
                await _freeWorkers.WaitAsync().ConfigureAwait(false);
                var batch = new Batch();
                var rows = 0;
                if (carry is not null && carry.TryTake(batch)) { batch.Items.Add(carry); rows = carry.Rows; }
                carry = null;
                while (rows == 0)
                {
                    if (reader.TryRead(out var first))
                    {
                        if (first.TryTake(batch)) { batch.Items.Add(first); rows = first.Rows; }
                        continue;
                    }
                    if (!await reader.WaitToReadAsync().ConfigureAwait(false)) return;
                }
                var deadline = batch.Items[0].EnqueuedAt + (long)(_settings.MaxQueueDelay.TotalSeconds * Stopwatch.Frequency);
                while (rows < _settings.MaxBatchSize)
                {
                    if (reader.TryRead(out var next))
                    {
                        if (next.IsCancelled) continue;
                        if (rows + next.Rows > _settings.MaxBatchSize) { carry = next; break; }
                        if (next.TryTake(batch)) { batch.Items.Add(next); rows += next.Rows; }
                        continue;
                    }
                    var remaining = deadline - Stopwatch.GetTimestamp();
                    if (remaining <= 0) break;
                    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds((double)remaining / Stopwatch.Frequency));
                    try
                    {
                        if (!await reader.WaitToReadAsync(timeout.Token).ConfigureAwait(false)) break;
                    }
                    catch (OperationCanceledException)
                    {
                        break;
                    }
                }
                batch.Seal(rows);
                _metrics.AddQueueDepth(_metricName, -batch.Items.Count);
                _batches.Writer.TryWrite(batch);
            }
        }
        catch (Exception e)
        {
            _logger.LogError(e, "the batch collector of {Model} failed", _metricName);
        }
        finally
        {
            _batches.Writer.TryComplete();
            var closed = new BatcherClosedException($"model {_metricName} was unloaded");
            if (carry is not null) { carry.Fail(closed); _metrics.AddQueueDepth(_metricName, -1); }
            while (reader.TryRead(out var left)) { left.Fail(closed); _metrics.AddQueueDepth(_metricName, -1); }
        }
    }

    private void WorkerLoop()
    {
        var reader = _batches.Reader;
        try
        {
            while (true)
            {
                if (!reader.TryRead(out var batch))
                {
                    // A dedicated thread: waiting synchronously here blocks no thread-pool thread.
                    if (!reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult()) return;
                    continue;
                }
                try
                {
                    Execute(batch);
                }
                finally
                {
                    _freeWorkers.Release();
                }
            }
        }
        finally
        {
            if (Interlocked.Decrement(ref _runningWorkers) == 0) _workersDone.TrySetResult();
        }
    }

    private void Execute(Batch batch)
    {
        var started = Stopwatch.GetTimestamp();
        foreach (var item in batch.Items)
            _metrics.RecordQueueTime(_metricName, Stopwatch.GetElapsedTime(item.EnqueuedAt, started).TotalSeconds);
        if (batch.AllCancelled)
        {
            batch.Finish();
            return;
        }
        try
        {
            var inputs = Assemble(batch);
            var shapes = new long[_inputNames.Length][];
            for (var i = 0; i < shapes.Length; i++) shapes[i] = [batch.Rows, .. _inputRowShapes[i]];
            var outputs = _session.Run(_inputNames, inputs, shapes, _outputNames, batch.RunOptions);
            _metrics.RecordBatch(_metricName, batch.Rows, Stopwatch.GetElapsedTime(started).TotalSeconds);
            batch.Finish();
            Distribute(batch, outputs);
        }
        catch (Exception e)
        {
            batch.Finish();
            if (batch.AllCancelled) return; // terminated on purpose: every request has already been cancelled
            _logger.LogError(e, "inference on {Model} failed for a batch of {Rows} rows", _metricName, batch.Rows);
            foreach (var item in batch.Items) item.Fail(e);
        }
    }

    private float[][] Assemble(Batch batch)
    {
        if (batch.Items.Count == 1) return batch.Items[0].Inputs; // no copy for a request that fills the batch alone
        var inputs = new float[_inputNames.Length][];
        for (var i = 0; i < inputs.Length; i++)
        {
            inputs[i] = new float[(long)batch.Rows * _inputRowSizes[i]];
            var offset = 0;
            foreach (var item in batch.Items)
            {
                item.Inputs[i].CopyTo(inputs[i], offset);
                offset += item.Inputs[i].Length;
            }
        }
        return inputs;
    }

    private void Distribute(Batch batch, float[][] outputs)
    {
        if (batch.Items.Count == 1)
        {
            batch.Items[0].Complete(outputs);
            return;
        }
        var row = 0;
        foreach (var item in batch.Items)
        {
            var result = new float[outputs.Length][];
            for (var o = 0; o < outputs.Length; o++)
                result[o] = outputs[o].AsSpan(row * _outputColumns[o], item.Rows * _outputColumns[o]).ToArray();
            row += item.Rows;
            item.Complete(result);
        }
    }

    private void OnQueuedItemCancelled() => _metrics.AddQueueDepth(_metricName, -1);

    /// <summary>One request (or one chunk of a split request) waiting for, or inside, a batch.</summary>
    private sealed class WorkItem(DynamicBatcher owner, float[][] inputs, int rows, CancellationToken cancellationToken)
    {
        private const int Queued = 0, Taken = 1, Cancelled = 2;

        private readonly TaskCompletionSource<float[][]> _result = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private CancellationTokenRegistration _registration;
        private int _state;
        private Batch? _batch;

        public float[][] Inputs { get; } = inputs;

        public int Rows { get; } = rows;

        public long EnqueuedAt { get; } = Stopwatch.GetTimestamp();

        public Task<float[][]> Task => _result.Task;

        public bool IsCancelled => Volatile.Read(ref _state) == Cancelled || cancellationToken.IsCancellationRequested;

        public void Register()
        {
            if (cancellationToken.CanBeCanceled)
                _registration = cancellationToken.UnsafeRegister(static s => ((WorkItem)s!).OnCancelled(), this);
        }

        /// <summary>Moves the item into <paramref name="batch"/>; false when it was cancelled while queued.</summary>
        public bool TryTake(Batch batch)
        {
            _batch = batch;
            return Interlocked.CompareExchange(ref _state, Taken, Queued) == Queued;
        }

        public void Complete(float[][] outputs)
        {
            _registration.Dispose();
            _result.TrySetResult(outputs);
        }

        public void Fail(Exception e)
        {
            _registration.Dispose();
            _result.TrySetException(e);
        }

        private void OnCancelled()
        {
            _result.TrySetCanceled(cancellationToken);
            if (Interlocked.CompareExchange(ref _state, Cancelled, Queued) == Queued)
                owner.OnQueuedItemCancelled();
            else
                _batch?.OnItemCancelled();
        }
    }

    /// <summary>Requests run together in one ONNX Runtime call, with the run options that can terminate it.</summary>
    private sealed class Batch
    {
        private readonly object _gate = new();
        private int _cancelled;
        private bool _finished;
        private bool _sealed;

        public List<WorkItem> Items { get; } = [];

        public int Rows { get; private set; }

        public RunOptions RunOptions { get; } = new();

        public bool AllCancelled => Volatile.Read(ref _cancelled) >= Items.Count;

        public void OnItemCancelled()
        {
            lock (_gate)
            {
                _cancelled++;
                TerminateIfAbandoned();
            }
        }

        /// <summary>No more items join; from here on, cancelling every item terminates the run.</summary>
        public void Seal(int rows)
        {
            lock (_gate)
            {
                Rows = rows;
                _sealed = true;
                TerminateIfAbandoned();
            }
        }

        private void TerminateIfAbandoned()
        {
            if (_sealed && !_finished && _cancelled >= Items.Count) RunOptions.Terminate = true;
        }

        public void Finish()
        {
            lock (_gate)
            {
                if (_finished) return;
                _finished = true;
                RunOptions.Dispose();
            }
        }
    }
}
