using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;
using RbpPipeline.Onnx.Format;
using RbpPipeline.Onnx.Runtime;

namespace RbpPipeline.Onnx.Tests;

/// <summary>
/// ONNX Runtime from the Microsoft.ML.OnnxRuntime NuGet packages loads its native library and runs a model that our
/// own writer produced; the expected values are computed by hand in the test, independently of ORT.
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

    internal static float[] Logits(float[] x, int batch)
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
}
