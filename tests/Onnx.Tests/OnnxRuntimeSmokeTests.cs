using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;
using RbpPipeline.Onnx.Format;
using RbpPipeline.Onnx.Runtime;

namespace RbpPipeline.Onnx.Tests;

/// <summary>
/// The ONNX Runtime C# API compiled from the npm sources loads its native library and runs a model that our own
/// writer produced; the expected values are computed by hand in the test, independently of ORT.
/// </summary>
public sealed class OnnxRuntimeSmokeTests
{
    private static readonly float[] Weights = [0.5f, -1f, 2f, 0.25f, -0.5f, 1.5f]; // [3, 2] row-major
    private static readonly float[] Bias = [0.1f, -0.2f];

    /// <summary>y = relu(x·W + b), p = sigmoid(x·W + b) with a dynamic batch dimension.</summary>
    internal static ModelProto TinyModel()
    {
        var g = new OnnxGraphBuilder("tiny");
        var x = g.AddInput("x", TensorProto.Types.DataType.Float, OnnxDim.Batch, 3);
        var w = g.AddFloatInitializer("W", Weights, 3, 2);
        var b = g.AddFloatInitializer("b", Bias, 2);
        var mm = g.AddNode("MatMul", [x, w]);
        var z = g.AddNode("Add", [mm, b]);
        g.AddNodeWithOutputs("Relu", [z], ["y"]);
        g.AddNodeWithOutputs("Sigmoid", [z], ["p"]);
        g.AddOutput("y", TensorProto.Types.DataType.Float, OnnxDim.Batch, 2);
        g.AddOutput("p", TensorProto.Types.DataType.Float, OnnxDim.Batch, 2);
        return g.Build("test", new Dictionary<string, string> { ["purpose"] = "smoke test" });
    }

    private static float[] Logits(float[] x, int batch)
    {
        var z = new float[batch * 2];
        for (var n = 0; n < batch; n++)
            for (var j = 0; j < 2; j++)
            {
                var s = Bias[j];
                for (var i = 0; i < 3; i++) s += x[n * 3 + i] * Weights[i * 2 + j];
                z[n * 2 + j] = s;
            }
        return z;
    }

    [Fact]
    public void Runs_a_model_built_by_our_writer_and_matches_a_hand_computation()
    {
        float[] x = [1f, 2f, 3f, -1f, 0.5f, -2f];
        var expected = Logits(x, 2);

        using var options = new SessionOptions();
        new ExecutionProviderSelector().Configure(options, ExecutionProviderRequest.Cpu);
        using var session = new InferenceSession(TinyModel().ToByteArray(), options);
        using var input = OrtValue.CreateTensorValueFromMemory(x, [2, 3]);
        using var results = session.Run(new RunOptions(), ["x"], [input], ["y", "p"]);

        var y = results[0].GetTensorDataAsSpan<float>().ToArray();
        var p = results[1].GetTensorDataAsSpan<float>().ToArray();
        Assert.Equal([2, 2], results[0].GetTensorTypeAndShape().Shape);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(Math.Max(0f, expected[i]), y[i], 1e-6f);
            Assert.Equal(1.0 / (1.0 + Math.Exp(-expected[i])), p[i], 1e-6);
        }
    }

    [Fact]
    public void Metadata_and_dynamic_batch_are_visible_to_the_runtime()
    {
        using var session = new InferenceSession(TinyModel().ToByteArray());
        Assert.Equal("smoke test", session.ModelMetadata.CustomMetadataMap["purpose"]);
        Assert.Equal("RbpPipeline", session.ModelMetadata.ProducerName);
        Assert.Equal(-1, session.InputMetadata["x"].Dimensions[0]);
        Assert.Equal(3, session.InputMetadata["x"].Dimensions[1]);
    }

    [Fact]
    public void The_same_calls_give_byte_identical_models()
    {
        Assert.Equal(TinyModel().ToByteArray(), TinyModel().ToByteArray());
    }

    [Fact]
    public async Task Debian_onnx_checker_accepts_the_model()
    {
        using var dir = new TempFolder();
        var path = dir.File("tiny.onnx");
        await File.WriteAllBytesAsync(path, TinyModel().ToByteArray(), TestContext.Current.CancellationToken);
        var output = await PythonOracle.RunAsync(
            "import sys, onnx; m = onnx.load(sys.argv[1]); onnx.checker.check_model(m, full_check=True); " +
            "print(m.ir_version, m.opset_import[0].version, len(m.graph.node), m.graph.input[0].type.tensor_type.shape.dim[0].dim_param)",
            [path], cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal("8 17 4 batch", output.Trim());
    }

    [Fact]
    public void Undefined_node_input_is_rejected_when_building()
    {
        var g = new OnnxGraphBuilder("bad");
        var e = Assert.Throws<InvalidOperationException>(() => g.AddNode("Relu", ["missing"]));
        Assert.Contains("'missing'", e.Message);
    }

    [Fact]
    public void Telemetry_is_disabled_in_the_native_environment()
    {
        NativeEnvironment.Prepare();
        Assert.Equal("1", NativeEnvironment.GetNative("ORT_DISABLE_TELEMETRY"));
    }

    [Fact]
    public void Asking_for_cuda_without_the_provider_library_falls_back_to_cpu_with_a_logged_reason()
    {
        var logger = new ListLogger();
        var selector = new ExecutionProviderSelector(logger, ["/nonexistent/libonnxruntime_providers_cuda.so"]);
        using var options = new SessionOptions();
        var choice = selector.Configure(options, ExecutionProviderRequest.Cuda);

        Assert.Equal(ExecutionProviderChoice.CpuName, choice.Provider);
        Assert.Contains("not found", choice.Reason);
        var warning = Assert.Single(logger.Entries, e => e.Level == LogLevel.Warning);
        Assert.Contains("CUDA was requested", warning.Message);
        Assert.Contains("/nonexistent/", warning.Message);
        // The options are still usable for a CPU session.
        using var session = new InferenceSession(TinyModel().ToByteArray(), options);
        Assert.Single(session.InputMetadata);
    }

    [Fact]
    public void A_broken_provider_library_falls_back_to_cpu_naming_the_error()
    {
        using var dir = new TempFolder();
        var fake = dir.File(ExecutionProviderSelector.CudaLibraryFileName);
        File.WriteAllText(fake, "this is not a shared library");
        var logger = new ListLogger();
        using var options = new SessionOptions();
        var choice = new ExecutionProviderSelector(logger, [fake]).Configure(options, ExecutionProviderRequest.Cuda);

        Assert.False(choice.IsCuda);
        Assert.Contains("could not be used", choice.Reason);
        Assert.Contains(logger.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains(fake));
        using var session = new InferenceSession(TinyModel().ToByteArray(), options);
        Assert.Single(session.OutputMetadata, o => o.Key == "p");
    }

    [Fact]
    public void The_real_cuda_plugin_without_cuda_libraries_falls_back_to_cpu_naming_the_missing_library()
    {
        var library = ExecutionProviderSelector.DefaultCudaLibraryCandidates().FirstOrDefault(File.Exists);
        if (library is null)
            Assert.Skip("the CUDA provider plugin is not installed (./setup.sh --cuda installs it)");
        if (File.Exists("/dev/nvidia0"))
            Assert.Skip("this machine has a GPU: the fallback path is not reachable here");
        var logger = new ListLogger();
        using var options = new SessionOptions();
        var choice = new ExecutionProviderSelector(logger, [library]).Configure(options, ExecutionProviderRequest.Cuda);

        Assert.False(choice.IsCuda);
        Assert.Contains(".so", choice.Reason); // the loader names the CUDA library it could not open
        Assert.Contains(logger.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("CUDA was requested"));
        using var session = new InferenceSession(TinyModel().ToByteArray(), options);
        Assert.Single(session.InputMetadata);
    }

    [Fact]
    public void On_a_gpu_machine_cuda_is_chosen()
    {
        var library = ExecutionProviderSelector.DefaultCudaLibraryCandidates().FirstOrDefault(File.Exists);
        if (library is null || !File.Exists("/dev/nvidia0"))
            Assert.Skip("no GPU here (needs /dev/nvidia0 and the CUDA provider from ./setup.sh --cuda)");
        using var options = new SessionOptions();
        var choice = new ExecutionProviderSelector().Configure(options, ExecutionProviderRequest.Cuda);
        Assert.True(choice.IsCuda, choice.Reason);
    }
}
