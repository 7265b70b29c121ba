using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;
using RbpPipeline.InferenceServer.Hosting;
using RbpPipeline.Onnx.Runtime;

namespace RbpPipeline.InferenceServer.Execution;

/// <summary>
/// Creates ONNX Runtime sessions with the configured execution provider (through
/// <see cref="ExecutionProviderSelector"/>: CUDA when its libraries load, otherwise CPU with the reason logged),
/// thread count and memory setting. All sessions share one CPU arena by default
/// (<see cref="SessionMemory.SharedArena"/>), so activation memory grows with the runs in flight, not with the
/// models loaded: a model whose runs never overlap another's adds about its weights (bench/server-memory). The
/// last provider choice is kept for the server's metadata.
/// </summary>
public sealed class OnnxSessionFactory
{
    /// <summary>What the server uses: the setting bench/server-memory measured lowest (BENCHMARKS.md).</summary>
    public const SessionMemory DefaultMemory = SessionMemory.SharedArena;

    private readonly ServingOptions _options;
    private readonly SessionMemory _memory;
    private readonly ExecutionProviderSelector _selector;
    private readonly ILogger _logger;
    private ExecutionProviderChoice? _choice;
    private ExecutionProviderChoice? _cudaFallback;

    public OnnxSessionFactory(ServingOptions options, ILogger<OnnxSessionFactory> logger)
        : this(options, logger, DefaultMemory)
    {
    }

    /// <param name="memory">Where sessions take their CPU memory from (the memory benchmark compares them).</param>
    public OnnxSessionFactory(ServingOptions options, ILogger<OnnxSessionFactory> logger, SessionMemory memory)
    {
        _options = options;
        _memory = memory;
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
        using var options = NewOptions();
        // Once CUDA has failed to load, later sessions go straight to CPU: the reason was logged once already.
        var choice = _cudaFallback ?? _selector.Configure(options, _options.ExecutionProvider);
        if (_options.ExecutionProvider == ExecutionProviderRequest.Cuda && !choice.IsCuda) _cudaFallback = choice;
        InferenceSession session;
        try
        {
            session = open(options);
        }
        catch (OnnxRuntimeException e) when (choice.IsCuda)
        {
            // The CUDA libraries loaded but the provider could not start (no device, driver too old): serve on CPU.
            // A model ORT cannot read fails again here, with the CPU provider's error, and leaves CUDA on for others.
            using var cpuOptions = NewOptions();
            session = open(cpuOptions);
            choice = _cudaFallback = ExecutionProviderChoice.Cpu($"the CUDA provider failed to start a session: {e.Message.Trim()}");
            _selector.Log(choice, _options.ExecutionProvider);
        }
        _choice = choice;
        return new OnnxModelSession(session, choice);
    }

    private SessionOptions NewOptions()
    {
        var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            InterOpNumThreads = 1,
        };
        try
        {
            if (_options.IntraOpThreads > 0) options.IntraOpNumThreads = _options.IntraOpThreads;
            SessionMemorySettings.Apply(options, _memory);
            return options;
        }
        catch
        {
            options.Dispose();
            throw;
        }
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
