using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;
using RbpPipeline.InferenceServer.Hosting;
using RbpPipeline.Onnx.Runtime;

namespace RbpPipeline.InferenceServer.Execution;

/// <summary>
/// Creates ONNX Runtime sessions with the configured execution provider (through
/// <see cref="ExecutionProviderSelector"/>: CUDA when available, otherwise CPU with the reason logged) and thread
/// count. The first choice is kept for the server's metadata.
/// </summary>
public sealed class OnnxSessionFactory
{
    private readonly ServingOptions _options;
    private readonly ExecutionProviderSelector _selector;
    private readonly ILogger _logger;
    private ExecutionProviderChoice? _choice;

    public OnnxSessionFactory(ServingOptions options, ILogger<OnnxSessionFactory> logger)
    {
        _options = options;
        _logger = logger;
        _selector = new ExecutionProviderSelector(logger);
    }

    /// <summary>The provider sessions got (the last one created), or what a session would get before any was created.</summary>
    public ExecutionProviderChoice ExecutionProvider => _choice ?? Probe();

    /// <summary>Loads a model file into a session; ORT's own errors (a corrupt graph) propagate as <see cref="OnnxRuntimeException"/>.</summary>
    public OnnxModelSession Create(string path) => Create(options => new InferenceSession(path, options));

    /// <summary>Loads a model from bytes already read (and verified) by the caller.</summary>
    public OnnxModelSession Create(byte[] model) => Create(options => new InferenceSession(model, options));

    private OnnxModelSession Create(Func<SessionOptions, InferenceSession> open)
    {
        using var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            InterOpNumThreads = 1,
        };
        if (_options.IntraOpThreads > 0) options.IntraOpNumThreads = _options.IntraOpThreads;
        var choice = _selector.Configure(options, _options.ExecutionProvider);
        _choice = choice;
        var session = open(options);
        return new OnnxModelSession(session, choice);
    }

    private ExecutionProviderChoice Probe()
    {
        using var options = new SessionOptions();
        var choice = _selector.Configure(options, _options.ExecutionProvider);
        _choice = choice;
        _logger.LogDebug("execution provider probed without a model: {Provider}", choice.Provider);
        return choice;
    }
}
