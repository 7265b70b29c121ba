using Google.Protobuf;
using RbpPipeline.Contracts.Labels;
using RbpPipeline.Contracts.Manifests;
using RbpPipeline.InferenceServer.Tests.Serving;
using RbpPipeline.Onnx.Format;

namespace RbpPipeline.InferenceServer.Tests.Variants;

/// <summary>
/// A motif model whose output is a known function of its input: raw = max over positions of
/// ReLU(matches of GGAC − 3), i.e. 1 when the window holds GGAC on the scored strand and 0 otherwise (N matches
/// nothing). Two tasks read the same output: 'motif' (identity label transform) and 'scaled' (z-score mean 1,
/// std 2, so its values are 2·raw + 1). Optionally published with gradient.onnx (the exact gradient of that
/// function), so integrated gradients can run: along the path α·x from the zeros baseline a site switches on at
/// α = 3/4, and each of its 4 bases is attributed ≈ 1/4 of the output.
/// </summary>
public static class MotifModel
{
    public const string Motif = "GGAC";

    public const int Length = 21;

    public static TestModelSpec Spec(int length = Length, bool withGradient = false) => new()
    {
        Length = length,
        WithGradient = withGradient,
        WithProbability = false,
        Tasks =
        [
            new TaskInfo { Name = "motif", Type = TaskType.Regression },
            new TaskInfo
            {
                Name = "scaled",
                Type = TaskType.Regression,
                LabelTransform = new LabelTransformChain { Steps = [new ZScoreTransform { Mean = 1.0, Std = 2.0 }] },
            },
        ],
    };

    public static ModelProto Graph(int length)
    {
        var g = new OnnxGraphBuilder("motif");
        var x = g.AddInput("sequence", TensorProto.Types.DataType.Float, OnnxDim.Batch, 4, length);
        AddForward(g, x);
        return g.Build("test");
    }

    /// <summary>Adds conv → relu → raw (max over positions); returns (W, conv, relu).</summary>
    private static (string W, string Conv, string Relu) AddForward(OnnxGraphBuilder g, string x)
    {
        var kernel = new float[2 * 4 * Motif.Length];
        for (var o = 0; o < 2; o++)
            for (var j = 0; j < Motif.Length; j++)
                kernel[(o * 4 + "ACGT".IndexOf(Motif[j])) * Motif.Length + j] = 1f;
        var w = g.AddFloatInitializer("W", kernel, 2, 4, Motif.Length);
        var b = g.AddFloatInitializer("B", [-3f, -3f], 2);
        var conv = g.AddNode("Conv", [x, w, b], "conv", OnnxAttributes.Ints("kernel_shape", Motif.Length));
        var relu = g.AddNode("Relu", [conv], "relu");
        g.AddNodeWithOutputs("ReduceMax", [relu], ["raw"], OnnxAttributes.Ints("axes", 2), OnnxAttributes.Int("keepdims", 0));
        g.AddOutput("raw", TensorProto.Types.DataType.Float, OnnxDim.Batch, 2);
        return (w, conv, relu);
    }

    /// <summary>
    /// gradient.onnx: raw as above and d(Σ output_weights · raw)/d(sequence). The max passes the gradient to the
    /// active positions that reach it (shared equally between ties, as reduce-max gradients do); ConvTranspose with
    /// the conv kernel carries it back to the bases.
    /// </summary>
    public static ModelProto GradientGraph(int length)
    {
        const long FloatType = (long)TensorProto.Types.DataType.Float;
        var g = new OnnxGraphBuilder("motif_gradient");
        var x = g.AddInput("sequence", TensorProto.Types.DataType.Float, OnnxDim.Batch, 4, length);
        var outputWeights = g.AddInput("output_weights", TensorProto.Types.DataType.Float, OnnxDim.Batch, 2);
        var (w, conv, relu) = AddForward(g, x);
        var zero = g.AddFloatInitializer("zero", [0f], 1);
        var one = g.AddFloatInitializer("one", [1f], 1);
        var positionAxis = g.AddInt64Initializer("position_axis", [2], 1);
        var columnShape = g.AddInt64Initializer("column_shape", [-1, 2, 1], 3);
        var peak = g.AddNode("ReduceMax", [relu], "peak", OnnxAttributes.Ints("axes", 2), OnnxAttributes.Int("keepdims", 1));
        var active = g.AddNode("Cast", [g.AddNode("Greater", [conv, zero], "positive")], "active", OnnxAttributes.Int("to", FloatType));
        var atPeak = g.AddNode("Cast", [g.AddNode("Equal", [relu, peak], "is_peak")], "at_peak", OnnxAttributes.Int("to", FloatType));
        var mask = g.AddNode("Mul", [active, atPeak], "mask");
        var ties = g.AddNode("Max", [g.AddNode("ReduceSum", [mask, positionAxis], "ties", OnnxAttributes.Int("keepdims", 1)), one], "ties_at_least_one");
        var share = g.AddNode("Mul", [g.AddNode("Div", [mask, ties], "share"), g.AddNode("Reshape", [outputWeights, columnShape], "weights_3d")], "weighted");
        g.AddNodeWithOutputs("ConvTranspose", [share, w], ["grad_sequence"], OnnxAttributes.Ints("kernel_shape", Motif.Length));
        g.AddOutput("grad_sequence", TensorProto.Types.DataType.Float, OnnxDim.Batch, 4, length);
        return g.Build("test");
    }

    /// <summary>Publishes the motif model as <paramref name="name"/> version 1 into <paramref name="repository"/>.</summary>
    public static void Publish(TestModelRepository repository, string name = "motif", int length = Length, bool withGradient = false)
    {
        var spec = Spec(length, withGradient);
        var folder = repository.VersionFolder(name, 1);
        Directory.CreateDirectory(folder);
        File.WriteAllBytes(Path.Combine(folder, "model.onnx"), Graph(length).ToByteArray());
        if (withGradient) File.WriteAllBytes(Path.Combine(folder, "gradient.onnx"), GradientGraph(length).ToByteArray());
        File.WriteAllText(Path.Combine(repository.Root, name, "config.pbtxt"),
            $"name: \"{name}\"\nplatform: \"onnxruntime_onnx\"\nmax_batch_size: 4096\ndynamic_batching {{ }}\n");
        ModelManifestJson.Save(TestModelRepository.Manifest(name, 1, spec, folder), Path.Combine(folder, ModelManifest.FileName));
    }
}
