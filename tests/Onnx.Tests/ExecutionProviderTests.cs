using System.Runtime.InteropServices;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;
using RbpPipeline.Onnx.Runtime;

namespace RbpPipeline.Onnx.Tests;

/// <summary>
/// CUDA through the NuGet package's provider: on a machine without CUDA 13 the request falls back to CPU naming the
/// library the loader missed; on a GPU machine the session runs on CUDA. Whether CUDA is there is decided
/// independently of the code under test, by asking the dynamic loader for cuBLASLt 13 and looking for /dev/nvidia0.
/// </summary>
public sealed class ExecutionProviderTests
{
    private static bool CudaLibrariesLoad()
    {
        if (!NativeLibrary.TryLoad("libcublasLt.so.13", out var handle)) return false;
        NativeLibrary.Free(handle);
        return true;
    }

    private static bool HasGpu => File.Exists("/dev/nvidia0");

    [Fact]
    public void The_package_build_offers_the_cuda_provider()
    {
        Assert.Contains(ExecutionProviderChoice.CudaName, OrtEnv.Instance().GetAvailableProviders());
        Assert.StartsWith("1.32.", OrtEnv.Instance().GetVersionString());
    }

    [Fact]
    public void Cpu_request_appends_nothing_and_says_so()
    {
        var logger = new ListLogger();
        using var options = new SessionOptions();
        var choice = new ExecutionProviderSelector(logger).Configure(options, ExecutionProviderRequest.Cpu);
        Assert.Equal(ExecutionProviderChoice.CpuName, choice.Provider);
        Assert.Equal("CPU requested", choice.Reason);
        Assert.Contains(logger.Entries, e => e.Level == LogLevel.Information && e.Message.Contains(ExecutionProviderChoice.CpuName));
    }

    [Fact]
    public void Cuda_request_without_cuda_libraries_falls_back_to_cpu_naming_the_missing_library_and_the_options_still_work()
    {
        if (CudaLibrariesLoad())
            Assert.Skip("CUDA 13 libraries load on this machine: the fallback path is not reachable here");
        var logger = new ListLogger();
        using var options = new SessionOptions();
        var choice = new ExecutionProviderSelector(logger).Configure(options, ExecutionProviderRequest.Cuda);

        Assert.False(choice.IsCuda);
        Assert.Contains("cannot open shared object file", choice.Reason); // the loader's own words, naming the library
        Assert.Contains(CudaProviderDiagnosis.ProviderFileName, choice.Reason);
        var warning = Assert.Single(logger.Entries, e => e.Level == LogLevel.Warning);
        Assert.Contains("CUDA was requested", warning.Message);
        Assert.Contains(choice.Reason, warning.Message);

        // The SessionOptions whose CUDA append failed still makes a working CPU session.
        float[] x = [1f, -2f, 0.5f];
        using var session = new InferenceSession(OnnxRuntimeSmokeTests.TinyModel().ToByteArray(), options);
        using var input = OrtValue.CreateTensorValueFromMemory(x, [1, 3]);
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, ["x"], [input], ["y"]);
        var expected = OnnxRuntimeSmokeTests.Logits(x, 1);
        var y = results[0].GetTensorDataAsSpan<float>();
        for (var i = 0; i < expected.Length; i++) Assert.Equal(Math.Max(0f, expected[i]), y[i], 1e-6f);
    }

    [Fact]
    public void Negative_cuda_device_is_rejected_naming_the_parameter()
    {
        using var options = new SessionOptions();
        var e = Assert.Throws<ArgumentOutOfRangeException>(() =>
            new ExecutionProviderSelector().Configure(options, ExecutionProviderRequest.Cuda, cudaDeviceId: -1));
        Assert.Equal("cudaDeviceId", e.ParamName);
    }

    [Fact]
    public void On_a_gpu_machine_cuda_is_chosen_and_runs_the_model()
    {
        if (!HasGpu || !CudaLibrariesLoad())
            Assert.Skip("no GPU with CUDA 13 here (needs /dev/nvidia0 and libcublasLt.so.13 on the library path)");
        using var options = new SessionOptions();
        var choice = new ExecutionProviderSelector().Configure(options, ExecutionProviderRequest.Cuda);
        Assert.True(choice.IsCuda, choice.Reason);
        Assert.Equal("cuda:0", choice.Device);

        float[] x = [1f, 2f, 3f, -1f, 0.5f, -2f];
        using var session = new InferenceSession(OnnxRuntimeSmokeTests.TinyModel().ToByteArray(), options);
        using var input = OrtValue.CreateTensorValueFromMemory(x, [2, 3]);
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, ["x"], [input], ["p"]);
        var expected = OnnxRuntimeSmokeTests.Logits(x, 2);
        var p = results[0].GetTensorDataAsSpan<float>();
        for (var i = 0; i < expected.Length; i++) Assert.Equal(1.0 / (1.0 + Math.Exp(-expected[i])), p[i], 1e-5);
    }
}
