using Google.Protobuf;
using RbpPipeline.Contracts.Manifests;
using RbpPipeline.Onnx.Format;
using RbpPipeline.Trainer.Networks;
using static RbpPipeline.Onnx.Format.OnnxAttributes;

namespace RbpPipeline.Exporter.Graphs;

/// <summary>What the two graphs should compute beyond the network itself: the tasks (for the probability head and
/// the gradient spaces), which space classification gradients are taken in, and the metadata to embed.</summary>
public sealed record OnnxExportSpec
{
    public required IReadOnlyList<TaskInfo> Tasks { get; init; }

    /// <summary>The space of the gradient for classification tasks (regression tasks are always differentiated raw).</summary>
    public GradientSpace GradientOf { get; init; } = GradientSpace.Logit;

    /// <summary>ONNX metadata_props (written sorted by key).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();

    /// <summary>Fold inference-mode BatchNorm into the preceding convolution or linear layer where possible.</summary>
    public bool FoldBatchNorm { get; init; } = true;

    public string ProducerVersion { get; init; } = "1";

    /// <summary>
    /// Also give model.onnx one output per task, <c>raw_&lt;task&gt;</c> [batch, the task's columns] (its slice of
    /// <c>raw</c>): a multi-task model's experiments by name, each computing only the trunk and its own head.
    /// </summary>
    public bool TaskOutputs { get; init; }
}

/// <summary>The serialized graphs and what they expose.</summary>
public sealed record OnnxGraphs(
    byte[] Model,
    byte[] Gradient,
    IReadOnlyList<OutputInfo> Outputs,
    GradientInfo GradientTarget,
    IReadOnlyList<string> InputNames,
    int ModelNodes,
    int GradientNodes,
    int FoldedBatchNorms);

/// <summary>
/// Writes model.onnx (inputs → raw outputs and, for classifiers, probabilities) and gradient.onnx (the same plus
/// <c>output_weights</c> [batch, columns] in, and ∂ sum(outputs·output_weights)/∂input out for every input) for a
/// network graph and its frozen weights. Opset 17, IR 8; the same inputs always give the same bytes.
/// </summary>
public static class OnnxExport
{
    public const string RawOutput = "raw";
    public const string ProbabilityOutput = "probability";

    /// <summary>The name of a task's own output in model.onnx (<see cref="OnnxExportSpec.TaskOutputs"/>).</summary>
    public static string TaskOutput(string task) => "raw_" + task;

    public static int Columns(TaskInfo t) => t.Type == TaskType.Multiclass ? t.Classes?.Count ?? 0 : 1;

    /// <summary>Whether the model gets a probability output: every task is a classification task.</summary>
    public static bool HasProbability(IReadOnlyList<TaskInfo> tasks) => tasks.All(t => t.Type != TaskType.Regression);

    /// <summary>What gradient.onnx differentiates: per task raw (regression, or logit space) or the probability.</summary>
    public static GradientInfo GradientTarget(IReadOnlyList<TaskInfo> tasks, GradientSpace classification)
    {
        var spaces = tasks.ToDictionary(t => t.Name, t => t.Type == TaskType.Regression ? GradientSpace.Logit : classification, StringComparer.Ordinal);
        return new GradientInfo
        {
            Output = spaces.Values.Any(s => s == GradientSpace.Probability) ? ProbabilityOutput : RawOutput,
            Spaces = spaces,
        };
    }

    public static OnnxGraphs Build(NetworkGraph graph, WeightSet weights, OnnxExportSpec spec)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(spec);
        NetworkLowering.CheckSupported(graph);
        var columns = spec.Tasks.Sum(Columns);
        var graphColumns = graph.Shapes[graph.Output.Id];
        if (graphColumns.Length != 2 || graphColumns[1] != columns)
            throw new ExportException($"the network's output is [{string.Join(", ", graphColumns)}] but the tasks need [N, {columns}]");
        var net = new FoldedNetwork(graph, weights, spec.FoldBatchNorm);
        var probability = HasProbability(spec.Tasks);
        var target = GradientTarget(spec.Tasks, spec.GradientOf);
        var spaces = target.Spaces;
        List<OutputInfo> outputs = [new OutputInfo { Name = RawOutput, Meaning = OutputMeaning.Raw, Shape = [-1, columns] }];
        if (probability) outputs.Add(new OutputInfo { Name = ProbabilityOutput, Meaning = OutputMeaning.Probability, Shape = [-1, columns] });

        // model.onnx
        var fe = new OnnxEmitter("rbp_model");
        var forward = new NetworkLowering(net, fe, GraphKind.Forward);
        var raw = forward.Forward();
        fe.Output(RawOutput, raw, OnnxDim.Batch, columns);
        if (probability) fe.Output(ProbabilityOutput, Probability(fe, raw, spec.Tasks), OnnxDim.Batch, columns);
        if (spec.TaskOutputs)
            foreach (var (task, start, width) in Segments(spec.Tasks))
                fe.Output(TaskOutput(task.Name), Slice(fe, raw, start, width), OnnxDim.Batch, width);
        var model = fe.Build(spec.ProducerVersion, spec.Metadata, "RbpPipeline forward model: inputs → raw outputs (and probabilities)");

        // gradient.onnx
        var ge = new OnnxEmitter("rbp_gradient");
        var backward = new NetworkLowering(net, ge, GraphKind.Gradient);
        var graw = backward.Forward();
        var w = ge.Input(GradientGraph.OutputWeightsInput, OnnxDim.Batch, columns);
        ge.Output(RawOutput, graw, OnnxDim.Batch, columns);
        string? gprob = null;
        if (probability)
        {
            gprob = Probability(ge, graw, spec.Tasks);
            ge.Output(ProbabilityOutput, gprob, OnnxDim.Batch, columns);
        }
        var seed = Seed(ge, w, gprob, spec.Tasks, spaces);
        var inputGradients = backward.Backward(seed);
        foreach (var input in graph.Inputs)
        {
            OnnxDim[] dims = input.Length == 0 ? [OnnxDim.Batch, input.Channels] : [OnnxDim.Batch, input.Channels, input.Length];
            ge.Output(GradientGraph.GradientOutput(input.InputName), inputGradients[input.Id], dims);
        }
        var metadata = new Dictionary<string, string>(spec.Metadata, StringComparer.Ordinal);
        var gradient = ge.Build(spec.ProducerVersion, metadata,
            "RbpPipeline gradient model: inputs and output_weights → outputs and ∂sum(outputs·output_weights)/∂inputs");

        return new OnnxGraphs(model.ToByteArray(), gradient.ToByteArray(), outputs, target,
            [.. graph.Inputs.Select(i => i.InputName)], fe.NodeCount, ge.NodeCount, net.FoldedCount);
    }

    /// <summary>Sigmoid per binary column, softmax over each multiclass task's columns.</summary>
    private static string Probability(OnnxEmitter e, string raw, IReadOnlyList<TaskInfo> tasks)
    {
        if (tasks.All(t => t.Type == TaskType.Binary)) return e.Sigmoid(raw, "probability");
        var parts = new List<string>();
        foreach (var (task, start, width) in Segments(tasks))
        {
            var slice = Slice(e, raw, start, width);
            parts.Add(task.Type == TaskType.Multiclass ? e.Op("Softmax", [slice], "probability", Int("axis", 1)) : e.Sigmoid(slice, "probability"));
        }
        return e.Concat(parts, 1, "probability");
    }

    /// <summary>
    /// ∂L/∂raw for L = sum(target·w), where target is raw (logit space) or the probability: σ′ = p(1 − p) for a binary
    /// column; for a softmax group p ⊙ (w − Σ w·p).
    /// </summary>
    private static string Seed(OnnxEmitter e, string w, string? p, IReadOnlyList<TaskInfo> tasks, IReadOnlyDictionary<string, GradientSpace> spaces)
    {
        if (tasks.All(t => spaces[t.Name] == GradientSpace.Logit)) return w;
        if (tasks.All(t => t.Type == TaskType.Binary && spaces[t.Name] == GradientSpace.Probability))
            return e.Mul(w, e.SigmoidSlope(p!, "seed"), "seed");
        var parts = new List<string>();
        foreach (var (task, start, width) in Segments(tasks))
        {
            var ws = Slice(e, w, start, width);
            if (spaces[task.Name] == GradientSpace.Logit) { parts.Add(ws); continue; }
            var ps = Slice(e, p!, start, width);
            if (task.Type == TaskType.Binary) { parts.Add(e.Mul(ws, e.SigmoidSlope(ps, "seed"), "seed")); continue; }
            var dot = e.Op("ReduceSum", [e.Mul(ws, ps, "seed"), e.Ints(1)], "seed", Int("keepdims", 1));
            parts.Add(e.Mul(ps, e.Sub(ws, dot, "seed"), "seed"));
        }
        return e.Concat(parts, 1, "seed");
    }

    private static IEnumerable<(TaskInfo Task, int Start, int Width)> Segments(IReadOnlyList<TaskInfo> tasks)
    {
        var start = 0;
        foreach (var t in tasks)
        {
            var width = Columns(t);
            yield return (t, start, width);
            start += width;
        }
    }

    private static string Slice(OnnxEmitter e, string x, long start, long width) =>
        e.Op("Slice", [x, e.Ints(start), e.Ints(start + width), e.Ints(1)], "slice");
}
