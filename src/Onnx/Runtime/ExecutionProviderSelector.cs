using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML.OnnxRuntime;

namespace RbpPipeline.Onnx.Runtime;

/// <summary>
/// Configures <see cref="SessionOptions"/> with the requested execution provider. The CUDA provider ships in the
/// Microsoft.ML.OnnxRuntime.Gpu.Linux package (libonnxruntime_providers_cuda.so next to libonnxruntime.so); it is
/// appended with the standard <see cref="SessionOptions.AppendExecutionProvider_CUDA(int)"/>, which loads it and the
/// CUDA 13 + cuDNN 9 libraries it links to. When that fails (no CUDA libraries, no driver) the session runs on CPU and
/// the loader's message, which names the missing library, becomes the logged reason. A SessionOptions whose CUDA
/// append failed is left as it was and still makes CPU sessions (tests check it).
/// </summary>
public sealed class ExecutionProviderSelector(ILogger? logger = null)
{
    private readonly ILogger _logger = logger ?? NullLogger.Instance;

    /// <summary>Appends the requested provider (CUDA on <paramref name="cudaDeviceId"/>) to <paramref name="options"/> and reports what was chosen.</summary>
    public ExecutionProviderChoice Configure(SessionOptions options, ExecutionProviderRequest request, int cudaDeviceId = 0)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegative(cudaDeviceId);
        NativeEnvironment.Prepare();
        var choice = request == ExecutionProviderRequest.Cuda
            ? TryCuda(options, cudaDeviceId)
            : ExecutionProviderChoice.Cpu("CPU requested");
        Log(choice, request);
        return choice;
    }

    /// <summary>Logs a choice made elsewhere, e.g. the CPU fallback after a CUDA session failed to start.</summary>
    public void Log(ExecutionProviderChoice choice, ExecutionProviderRequest request)
    {
        if (choice.IsCuda)
            _logger.LogInformation("ONNX Runtime execution provider: {Provider} on {Device} ({Reason})", choice.Provider, choice.Device, choice.Reason);
        else if (request == ExecutionProviderRequest.Cuda)
            _logger.LogWarning("ONNX Runtime execution provider: {Provider}; CUDA was requested but {Reason}", choice.Provider, choice.Reason);
        else
            _logger.LogInformation("ONNX Runtime execution provider: {Provider} ({Reason})", choice.Provider, choice.Reason);
    }

    private static ExecutionProviderChoice TryCuda(SessionOptions options, int deviceId)
    {
        var available = OrtEnv.Instance().GetAvailableProviders();
        if (!available.Contains(ExecutionProviderChoice.CudaName))
            return ExecutionProviderChoice.Cpu($"this ONNX Runtime build has no CUDA provider (it has {string.Join(", ", available)})");
        try
        {
            options.AppendExecutionProvider_CUDA(deviceId);
        }
        catch (OnnxRuntimeException e) // the provider or a CUDA/cuDNN library it needs did not load
        {
            return ExecutionProviderChoice.Cpu(
                $"the CUDA provider could not be loaded (it needs CUDA 13 and cuDNN 9): {CudaProviderDiagnosis.Explain()} (ONNX Runtime: {e.Message.Trim()})");
        }
        return new ExecutionProviderChoice(ExecutionProviderChoice.CudaName,
            $"CUDA provider {OrtEnv.Instance().GetVersionString()} loaded", $"cuda:{deviceId}");
    }
}
