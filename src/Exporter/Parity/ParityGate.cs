using System.Globalization;
using System.Text;
using RbpPipeline.Contracts.Manifests;
using RbpPipeline.Exporter.Graphs;
using RbpPipeline.Trainer.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace RbpPipeline.Exporter.Parity;

/// <summary>
/// How far ONNX Runtime may be from libtorch, per compared tensor. Both bounds must hold: the largest absolute
/// difference is at most <see cref="MaxAbs"/>, and relative to the tensor's scale (its largest reference magnitude,
/// at least MaxAbs) it is at most <see cref="MaxRel"/>. The scale-relative bound tightens the check for tensors of
/// small magnitude (gradients often are), without near-zero elements making relative differences meaningless.
/// </summary>
public sealed record ParityTolerance(double MaxAbs = 1e-4, double MaxRel = 1e-3)
{
    public static ParityTolerance Default { get; } = new();
}

/// <summary>
/// One compared tensor: <see cref="MaxAbsDiff"/> = max |onnx − torch|; <see cref="MaxRelDiff"/> = MaxAbsDiff / scale with
/// scale = max(max |torch|, tolerance MaxAbs); <see cref="Violations"/> counts the elements beyond
/// min(MaxAbs, MaxRel·scale).
/// </summary>
public sealed record ParityComparison(string Graph, string Tensor, string Reference, double MaxAbsDiff, double MaxRelDiff, long Violations, long Count)
{
    public bool Passed => Violations == 0;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Graph} {Tensor} vs {Reference}: max |Δ| {MaxAbsDiff:G3}, max relative {MaxRelDiff:G3}, {Violations} of {Count} elements outside tolerance");
}

/// <summary>Everything the gate measured.</summary>
public sealed record ParityOutcome(IReadOnlyList<ParityComparison> Comparisons, ParityTolerance Tolerance, int BatchSize)
{
    public bool Passed => Comparisons.All(c => c.Passed);

    public IEnumerable<ParityComparison> Forward => Comparisons.Where(c => !c.Tensor.StartsWith("grad_", StringComparison.Ordinal));

    public IEnumerable<ParityComparison> Gradient => Comparisons.Where(c => c.Tensor.StartsWith("grad_", StringComparison.Ordinal));

    /// <summary>The manifest's parity figures: the largest differences over the forward and over the gradient comparisons.</summary>
    public ParityReport ToManifest() => new()
    {
        Forward = Figures(Forward),
        Gradient = Gradient.Any() ? Figures(Gradient) : null,
    };

    private static ParityFigures Figures(IEnumerable<ParityComparison> c) => new()
    {
        MaxAbsDiff = c.Select(x => x.MaxAbsDiff).DefaultIfEmpty(0).Max(),
        MaxRelDiff = c.Select(x => x.MaxRelDiff).DefaultIfEmpty(0).Max(),
    };

    public string Describe()
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"parity on {BatchSize} inputs (tolerance: max |Δ| ≤ {Tolerance.MaxAbs:G3} and max |Δ| / scale ≤ {Tolerance.MaxRel:G3}):");
        foreach (var c in Comparisons) sb.Append("\n  ").Append(c.Passed ? "ok   " : "FAIL ").Append(c);
        return sb.ToString();
    }
}

/// <summary>The exported graphs do not reproduce the Trainer's network; nothing was published.</summary>
public sealed class ParityException(string model, ParityOutcome outcome)
    : ExportException($"parity gate refused to publish '{model}': the exported graphs differ from libtorch\n{outcome.Describe()}")
{
    public ParityOutcome Outcome { get; } = outcome;
}

/// <summary>
/// Compares the exported graphs with the Trainer's network (libtorch, eval mode) on one batch: model.onnx's outputs
/// and gradient.onnx's outputs with the network's forward pass, and gradient.onnx's input gradients with libtorch
/// autograd of sum(target·w), where target is the raw output or its probability per the gradient spaces.
/// </summary>
public static class ParityGate
{
    public static ParityOutcome Measure(INetwork network, OnnxGraphs graphs, IReadOnlyList<TaskInfo> tasks, ParityBatch batch,
        ParityTolerance? tolerance = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(graphs);
        ArgumentNullException.ThrowIfNull(batch);
        var tol = tolerance ?? ParityTolerance.Default;
        var reference = Reference(network, tasks, graphs.GradientTarget, batch);
        var comparisons = new List<ParityComparison>();
        var forwardOutputs = graphs.Outputs.Select(o => o.Name).ToList();

        using (var model = new OrtRunner(graphs.Model))
        {
            var result = model.Run(batch.Inputs, forwardOutputs);
            foreach (var name in forwardOutputs)
                comparisons.Add(Compare("model.onnx", name, "libtorch forward", result[name], reference.Outputs[name], tol));
        }
        using (var gradient = new OrtRunner(graphs.Gradient))
        {
            var names = forwardOutputs.Concat(batch.Inputs.Select(i => GradientGraph.GradientOutput(i.Name))).ToList();
            var result = gradient.Run([.. batch.Inputs, batch.OutputWeights], names);
            foreach (var name in forwardOutputs)
                comparisons.Add(Compare("gradient.onnx", name, "libtorch forward", result[name], reference.Outputs[name], tol));
            foreach (var input in batch.Inputs)
            {
                var name = GradientGraph.GradientOutput(input.Name);
                comparisons.Add(Compare("gradient.onnx", name, "libtorch autograd", result[name], reference.Gradients[input.Name], tol));
            }
        }
        return new ParityOutcome(comparisons, tol, batch.Size);
    }

    /// <summary>Throws <see cref="ParityException"/> (with the full report) when any comparison failed.</summary>
    public static void Enforce(string model, ParityOutcome outcome)
    {
        if (!outcome.Passed) throw new ParityException(model, outcome);
    }

    public static ParityComparison Compare(string graph, string tensor, string referenceName, float[] actual, float[] expected, ParityTolerance tol)
    {
        if (actual.Length != expected.Length)
            return new ParityComparison(graph, tensor, referenceName, double.PositiveInfinity, double.PositiveInfinity, Math.Max(actual.Length, expected.Length), expected.Length);
        double maxAbs = 0, scale = 0;
        for (var i = 0; i < actual.Length; i++)
        {
            var diff = Math.Abs((double)actual[i] - expected[i]);
            maxAbs = Math.Max(maxAbs, double.IsNaN(diff) ? double.PositiveInfinity : diff);
            scale = Math.Max(scale, Math.Abs((double)expected[i]));
        }
        scale = Math.Max(scale, tol.MaxAbs);
        var bound = Math.Min(tol.MaxAbs, tol.MaxRel * scale);
        long violations = 0;
        for (var i = 0; i < actual.Length; i++)
        {
            var diff = Math.Abs((double)actual[i] - expected[i]);
            if (double.IsNaN(diff) || diff > bound) violations++;
        }
        var maxRel = maxAbs / scale;
        // JSON has no infinity: an unbounded difference is reported as the largest double.
        return new ParityComparison(graph, tensor, referenceName, Finite(maxAbs), Finite(maxRel), violations, actual.Length);
    }

    private static double Finite(double x) => double.IsFinite(x) ? x : double.MaxValue;

    private sealed record ReferenceValues(Dictionary<string, float[]> Outputs, Dictionary<string, float[]> Gradients);

    private static ReferenceValues Reference(INetwork network, IReadOnlyList<TaskInfo> tasks, GradientInfo target, ParityBatch batch)
    {
        using var scope = NewDisposeScope();
        network.Module.eval();
        var inputs = batch.Inputs.Select(i => tensor(i.Data, i.Shape)).ToList();
        var outputs = new Dictionary<string, float[]>(StringComparer.Ordinal);
        using (no_grad())
        {
            var raw = network.Forward(inputs);
            outputs[OnnxExport.RawOutput] = raw.contiguous().data<float>().ToArray();
            if (OnnxExport.HasProbability(tasks))
                outputs[OnnxExport.ProbabilityOutput] = Heads(raw, tasks, _ => true).contiguous().data<float>().ToArray();
        }
        using (enable_grad())
        {
            foreach (var x in inputs) x.requires_grad_(true);
            var raw = network.Forward(inputs);
            var targetOutput = Heads(raw, tasks, t => target.Spaces[t.Name] == GradientSpace.Probability);
            var w = tensor(batch.OutputWeights.Data, batch.OutputWeights.Shape);
            (targetOutput * w).sum().backward();
        }
        var gradients = new Dictionary<string, float[]>(StringComparer.Ordinal);
        for (var i = 0; i < inputs.Count; i++)
            gradients[batch.Inputs[i].Name] = inputs[i].grad?.contiguous().data<float>().ToArray() ?? new float[batch.Inputs[i].Data.Length];
        return new ReferenceValues(outputs, gradients);
    }

    /// <summary>Per task: the raw columns, or (where <paramref name="probability"/> says so) their sigmoid or softmax.</summary>
    private static Tensor Heads(Tensor raw, IReadOnlyList<TaskInfo> tasks, Func<TaskInfo, bool> probability)
    {
        var parts = new List<Tensor>();
        var start = 0;
        foreach (var task in tasks)
        {
            var width = OnnxExport.Columns(task);
            var slice = raw.narrow(1, start, width);
            parts.Add(!probability(task) || task.Type == TaskType.Regression ? slice
                : task.Type == TaskType.Multiclass ? slice.softmax(1) : slice.sigmoid());
            start += width;
        }
        return cat(parts, 1);
    }
}
