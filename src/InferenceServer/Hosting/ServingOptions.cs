using RbpPipeline.Onnx.Runtime;

namespace RbpPipeline.InferenceServer.Hosting;

/// <summary>What the model-serving half of the server does: repository, execution, batching, limits, metrics.</summary>
public sealed class ServingOptions
{
    /// <summary>The model repository: <c>&lt;repo&gt;/&lt;model&gt;/&lt;version&gt;/{model.onnx, gradient.onnx, manifest.json}</c>.</summary>
    public string RepositoryPath { get; set; } = "models";

    /// <summary>CPU, or CUDA when the provider and a GPU are there (CPU otherwise, with the reason logged).</summary>
    public ExecutionProviderRequest ExecutionProvider { get; set; } = ExecutionProviderRequest.Cpu;

    /// <summary>ONNX Runtime intra-op threads per session; 0 lets ONNX Runtime choose (one per core).</summary>
    public int IntraOpThreads { get; set; }

    /// <summary>Rows (sequences) per ONNX Runtime run; larger requests are split.</summary>
    public int MaxBatchSize { get; set; } = 256;

    /// <summary>How long the first request of a batch waits for others to join it.</summary>
    public TimeSpan MaxQueueDelay { get; set; } = TimeSpan.FromMilliseconds(2);

    /// <summary>ONNX Runtime runs in flight per model version (each on its own dedicated thread).</summary>
    public int ExecutionWorkers { get; set; } = 1;

    /// <summary>Most sequences in one unary Predict or ModelInfer call (RESOURCE_EXHAUSTED above; use PredictStream).</summary>
    public int MaxSequencesPerRequest { get; set; } = 8192;

    /// <summary>Requests of one PredictStream call being worked on at once; the stream is not read further until one finishes.</summary>
    public int MaxStreamRequestsInFlight { get; set; } = 4;

    /// <summary>Limits on interpretation requests, checked before any work starts.</summary>
    public InterpretationLimits Interpretation { get; set; } = new();

    /// <summary>Safety-net rescan of the repository, beside the file-system watcher.</summary>
    public TimeSpan RescanInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Quiet period after a file-system event before the repository is rescanned (coalesces a copy's many events).</summary>
    public TimeSpan WatchDebounce { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Watch the repository for changes (new versions, removals) at all.</summary>
    public bool WatchRepository { get; set; } = true;

    /// <summary>
    /// HTTP/1.1 port for Prometheus' <c>/metrics</c> (0 picks a free one); null serves metrics only on the gRPC port
    /// (over HTTP/2, or HTTP/1.1 with TLS).
    /// </summary>
    public int? MetricsPort { get; set; }
}
