using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace RbpPipeline.InferenceServer.Observability;

/// <summary>
/// The server's Prometheus metrics, rendered in the text exposition format (version 0.0.4) at <c>/metrics</c>.
/// Lock-free on the hot path: each labelled series is a small object updated with interlocked operations.
/// </summary>
public sealed class ServerMetrics
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private static readonly double[] LatencyBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
    private static readonly double[] BatchBuckets = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];

    private readonly Family<Counter> _requests = new("rbp_grpc_requests_total", "counter", "gRPC calls by method and status code.");
    private readonly Family<Histogram> _latency = new("rbp_grpc_request_duration_seconds", "histogram", "gRPC call duration by method (whole stream for streaming methods).");
    private readonly Family<Histogram> _queueTime = new("rbp_queue_time_seconds", "histogram", "Time a request waited in the dynamic batcher before its batch ran.");
    private readonly Family<Histogram> _batchSize = new("rbp_batch_size", "histogram", "Rows per ONNX Runtime run.");
    private readonly Family<Histogram> _runTime = new("rbp_inference_run_seconds", "histogram", "ONNX Runtime run duration per batch.");
    private readonly Family<Counter> _predictions = new("rbp_predicted_rows_total", "counter", "Rows (sequences) predicted.");
    private readonly Family<Counter> _modelEvents = new("rbp_model_load_events_total", "counter", "Model version loads, refusals and unloads.");
    private readonly Family<Gauge> _queueDepth = new("rbp_queue_depth", "gauge", "Requests waiting in the dynamic batcher.");
    private readonly Family<Gauge> _loaded = new("rbp_models_loaded", "gauge", "Model versions loaded and serving.");

    public void RecordRequest(string method, string code, double seconds)
    {
        _requests.Get(Labels(("method", method), ("code", code)), () => new Counter()).Add(1);
        _latency.Get(Labels(("method", method)), () => new Histogram(LatencyBuckets)).Observe(seconds);
    }

    public void RecordQueueTime(string model, double seconds) =>
        _queueTime.Get(Labels(("model", model)), () => new Histogram(LatencyBuckets)).Observe(seconds);

    public void RecordBatch(string model, int rows, double seconds)
    {
        _batchSize.Get(Labels(("model", model)), () => new Histogram(BatchBuckets)).Observe(rows);
        _runTime.Get(Labels(("model", model)), () => new Histogram(LatencyBuckets)).Observe(seconds);
        _predictions.Get(Labels(("model", model)), () => new Counter()).Add(rows);
    }

    /// <summary><paramref name="outcome"/>: loaded, refused or unloaded.</summary>
    public void RecordModelEvent(string model, long version, string outcome) =>
        _modelEvents.Get(Labels(("model", model), ("version", version.ToString(CultureInfo.InvariantCulture)), ("event", outcome)), () => new Counter()).Add(1);

    public void AddQueueDepth(string model, long delta) => _queueDepth.Get(Labels(("model", model)), () => new Gauge()).Add(delta);

    public void SetLoadedVersions(int count) => _loaded.Get("", () => new Gauge()).Set(count);

    /// <summary>The Prometheus text exposition of every series.</summary>
    public string Render()
    {
        var text = new StringBuilder(4096);
        _requests.Render(text);
        _latency.Render(text);
        _queueTime.Render(text);
        _batchSize.Render(text);
        _runTime.Render(text);
        _predictions.Render(text);
        _modelEvents.Render(text);
        _queueDepth.Render(text);
        _loaded.Render(text);
        return text.ToString();
    }

    private static string Labels(params (string Name, string Value)[] labels)
    {
        var text = new StringBuilder();
        foreach (var (name, value) in labels)
        {
            if (text.Length > 0) text.Append(',');
            text.Append(name).Append("=\"");
            foreach (var c in value)
                text.Append(c switch { '\\' => "\\\\", '"' => "\\\"", '\n' => "\\n", _ => c.ToString() });
            text.Append('"');
        }
        return text.ToString();
    }

    private static string Format(double value) =>
        double.IsPositiveInfinity(value) ? "+Inf" : value.ToString("R", CultureInfo.InvariantCulture);

    private interface ISeries
    {
        void Render(StringBuilder text, string name, string labels);
    }

    private sealed class Family<T>(string name, string type, string help) where T : ISeries
    {
        private readonly ConcurrentDictionary<string, T> _series = new(StringComparer.Ordinal);

        public T Get(string labels, Func<T> create) =>
            _series.TryGetValue(labels, out var series) ? series : _series.GetOrAdd(labels, _ => create());

        public void Render(StringBuilder text)
        {
            text.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n');
            text.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
            foreach (var (labels, series) in _series.OrderBy(s => s.Key, StringComparer.Ordinal))
                series.Render(text, name, labels);
        }
    }

    private sealed class Counter : ISeries
    {
        private long _value;

        public void Add(long delta) => Interlocked.Add(ref _value, delta);

        public void Render(StringBuilder text, string name, string labels) =>
            text.Append(name).Append(labels.Length > 0 ? $"{{{labels}}}" : "").Append(' ')
                .Append(Interlocked.Read(ref _value).ToString(CultureInfo.InvariantCulture)).Append('\n');
    }

    private sealed class Gauge : ISeries
    {
        private long _value;

        public void Add(long delta) => Interlocked.Add(ref _value, delta);

        public void Set(long value) => Interlocked.Exchange(ref _value, value);

        public void Render(StringBuilder text, string name, string labels) =>
            text.Append(name).Append(labels.Length > 0 ? $"{{{labels}}}" : "").Append(' ')
                .Append(Interlocked.Read(ref _value).ToString(CultureInfo.InvariantCulture)).Append('\n');
    }

    private sealed class Histogram(double[] bounds) : ISeries
    {
        private readonly long[] _counts = new long[bounds.Length + 1];
        private long _sumBits;
        private long _count;

        public void Observe(double value)
        {
            var i = 0;
            while (i < bounds.Length && value > bounds[i]) i++;
            Interlocked.Increment(ref _counts[i]);
            Interlocked.Increment(ref _count);
            long seen, next;
            do
            {
                seen = Interlocked.Read(ref _sumBits);
                next = BitConverter.DoubleToInt64Bits(BitConverter.Int64BitsToDouble(seen) + value);
            } while (Interlocked.CompareExchange(ref _sumBits, next, seen) != seen);
        }

        public void Render(StringBuilder text, string name, string labels)
        {
            var prefix = labels.Length > 0 ? labels + "," : "";
            long cumulative = 0;
            for (var i = 0; i <= bounds.Length; i++)
            {
                cumulative += Interlocked.Read(ref _counts[i]);
                var le = i < bounds.Length ? Format(bounds[i]) : "+Inf";
                text.Append(name).Append("_bucket{").Append(prefix).Append("le=\"").Append(le).Append("\"} ")
                    .Append(cumulative.ToString(CultureInfo.InvariantCulture)).Append('\n');
            }
            var braces = labels.Length > 0 ? $"{{{labels}}}" : "";
            text.Append(name).Append("_sum").Append(braces).Append(' ')
                .Append(Format(BitConverter.Int64BitsToDouble(Interlocked.Read(ref _sumBits)))).Append('\n');
            text.Append(name).Append("_count").Append(braces).Append(' ')
                .Append(Interlocked.Read(ref _count).ToString(CultureInfo.InvariantCulture)).Append('\n');
        }
    }
}
