using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML.OnnxRuntime;

namespace RbpPipeline.Onnx.Runtime;

/// <summary>Which execution provider a caller asks for.</summary>
public enum ExecutionProviderRequest
{
    /// <summary>CPU only.</summary>
    Cpu,
    /// <summary>CUDA when the provider library and a GPU are there, otherwise CPU with the reason logged.</summary>
    Cuda,
}

/// <summary>The provider a session actually got, and why: shown in logs and in server metadata.</summary>
public sealed record ExecutionProviderChoice(string Provider, string Reason, string? Device = null)
{
    public const string CpuName = "CPUExecutionProvider";
    public const string CudaName = "CUDAExecutionProvider";

    public bool IsCuda => Provider == CudaName;
}

/// <summary>
/// Configures <see cref="SessionOptions"/> with the requested execution provider. ORT 1.29 from npm is a CPU
/// build; CUDA arrives as a plugin library (npm com.github.asus4.onnxruntime.linux-x64-gpu, installed by
/// `setup.sh --cuda`) that is registered with the environment, after which its devices are appended to the
/// session options. Any failure on that path falls back to CPU: a SessionOptions whose CUDA call failed still works.
/// </summary>
public sealed class ExecutionProviderSelector
{
    /// <summary>Environment variable naming the CUDA provider library explicitly.</summary>
    public const string CudaLibraryVariable = "RBP_ORT_CUDA_PROVIDER";
    public const string CudaLibraryFileName = "libonnxruntime_providers_cuda.so";
    private const string RegistrationName = "rbp-cuda";

    private static readonly object RegistrationGate = new();
    private static string? _registeredPath;

    private readonly ILogger _logger;
    private readonly IReadOnlyList<string> _searchPaths;

    /// <param name="logger">Where the choice and its reason are logged.</param>
    /// <param name="cudaLibraryCandidates">Overrides where the CUDA provider library is looked for (tests use it).</param>
    public ExecutionProviderSelector(ILogger? logger = null, IReadOnlyList<string>? cudaLibraryCandidates = null)
    {
        _logger = logger ?? NullLogger.Instance;
        _searchPaths = cudaLibraryCandidates ?? DefaultCudaLibraryCandidates();
    }

    /// <summary>Places the CUDA provider library may be: the explicit variable, next to the app, the repo's npm folder.</summary>
    public static IReadOnlyList<string> DefaultCudaLibraryCandidates()
    {
        var candidates = new List<string>();
        var explicitPath = Environment.GetEnvironmentVariable(CudaLibraryVariable);
        if (!string.IsNullOrWhiteSpace(explicitPath)) candidates.Add(explicitPath);
        candidates.Add(Path.Combine(AppContext.BaseDirectory, CudaLibraryFileName));
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var npm = Path.Combine(dir.FullName, "native", "cuda", "node_modules",
                "com.github.asus4.onnxruntime.linux-x64-gpu", "Plugins", "Linux", "x64", CudaLibraryFileName);
            if (File.Exists(npm)) { candidates.Add(npm); break; }
        }
        return candidates;
    }

    /// <summary>Appends the requested provider to <paramref name="options"/> and reports what was chosen.</summary>
    public ExecutionProviderChoice Configure(SessionOptions options, ExecutionProviderRequest request)
    {
        ArgumentNullException.ThrowIfNull(options);
        NativeEnvironment.Prepare();
        var choice = request == ExecutionProviderRequest.Cuda
            ? TryCuda(options)
            : new ExecutionProviderChoice(ExecutionProviderChoice.CpuName, "CPU requested");
        if (choice.IsCuda)
            _logger.LogInformation("ONNX Runtime execution provider: {Provider} on {Device} ({Reason})", choice.Provider, choice.Device, choice.Reason);
        else if (request == ExecutionProviderRequest.Cuda)
            _logger.LogWarning("ONNX Runtime execution provider: {Provider}; CUDA was requested but {Reason}", choice.Provider, choice.Reason);
        else
            _logger.LogInformation("ONNX Runtime execution provider: {Provider} ({Reason})", choice.Provider, choice.Reason);
        return choice;
    }

    private ExecutionProviderChoice TryCuda(SessionOptions options)
    {
        var library = _searchPaths.FirstOrDefault(File.Exists);
        if (library is null)
            return Cpu($"the CUDA provider library {CudaLibraryFileName} was not found (looked in: {string.Join(", ", _searchPaths)}; install it with ./setup.sh --cuda or set {CudaLibraryVariable})");
        try
        {
            var env = OrtEnv.Instance();
            Register(env, library);
            var devices = env.GetEpDevices().Where(d => d.EpName == ExecutionProviderChoice.CudaName).ToList();
            if (devices.Count == 0)
                return Cpu($"the CUDA provider library {library} loaded but reported no GPU device");
            options.AppendExecutionProvider(env, devices, new Dictionary<string, string>());
            var device = devices[0].HardwareDevice;
            return new ExecutionProviderChoice(ExecutionProviderChoice.CudaName, $"plugin provider {library}",
                $"{device.Vendor} device {device.DeviceId}");
        }
        catch (Exception e) // native loading fails in many ways (missing libcudart.so.13, cuDNN, driver): all mean CPU
        {
            return Cpu($"the CUDA provider could not be used: {e.GetType().Name}: {e.Message}");
        }
    }

    private static void Register(OrtEnv env, string library)
    {
        lock (RegistrationGate)
        {
            if (_registeredPath == library) return;
            if (_registeredPath is not null)
                throw new InvalidOperationException($"a different CUDA provider library is already registered: {_registeredPath}");
            env.RegisterExecutionProviderLibrary(RegistrationName, library);
            _registeredPath = library;
        }
    }

    private static ExecutionProviderChoice Cpu(string reason) => new(ExecutionProviderChoice.CpuName, reason);
}
