using System.Globalization;
using System.Text;
using RbpPipeline.Contracts.Manifests;
using RbpPipeline.Exporter.Graphs;
using RbpPipeline.Trainer.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace RbpPipeline.Exporter.Parity;

/// <summary>
/// How far ONNX Runtime may be from libtorch, element by element, in the <c>allclose</c> form:
/// |onnx − torch| ≤ <see cref="Atol"/>·scale + <see cref="Rtol"/>·|torch|, where scale is the tensor's largest reference
/// magnitude. Float32 rounding of a sum grows with the magnitude of its terms, not of the result, so the absolute
/// part scales with the tensor (gradients are often small; a fixed absolute bound is either too loose for them or
/// too tight for large logits). Calibrated on real-data models (docs/exporter.md).
/// <para>
/// Input gradients are piecewise: at a ReLU input or a max-pool tie that float32 rounding puts on the other side in
/// one engine, the gradient of a few positions jumps (both results are legitimate roundings of a non-differentiable
/// point). So a gradient tensor may hold elements outside the bound in at most <see cref="KinkSamples"/> of the
/// samples, each no larger than the tensor's scale; forward outputs are continuous and get no such allowance. A
/// real difference (a wrong weight, a wrong convention) shows in most samples and is refused.
/// </para>
/// </summary>
public sealed record ParityTolerance
{
    /// <summary>The relative part, per element.</summary>
    public double Rtol { get; init; } = 1e-5;

    /// <summary>The absolute part, as a fraction of the tensor's scale (its largest reference magnitude).</summary>
    public double Atol { get; init; } = 1e-5;

    /// <summary>Gradients only: the fraction of samples that may hold elements outside the bound (see the remarks).</summary>
    public double KinkSamples { get; init; } = 0.125;

    public static ParityTolerance Default { get; } = new();

    /// <summary>Whether one element is within the bound (NaN never is).</summary>
    public bool Within(double actual, double expected, double scale) =>
        Math.Abs(actual - expected) <= Atol * scale + Rtol * Math.Abs(expected);

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"|Δ| ≤ {Atol:G3}·scale + {Rtol:G3}·|ref| per element; gradients: outside elements in ≤ {KinkSamples:P1} of samples, each ≤ scale");
}

/// <summary>
/// One compared tensor: <see cref="MaxAbsDiff"/> = max |onnx − torch|; <see cref="MaxRelDiff"/> = MaxAbsDiff / scale with
/// scale = max |torch|; <see cref="Violations"/> counts the elements outside the tolerance's bound, found in
/// <see cref="SamplesOutside"/> of <see cref="Samples"/> samples; <see cref="AllowedSamples"/> is how many of those the
/// tolerance accepts (kinks of a gradient, 0 for forward outputs).
/// </summary>
public sealed record ParityComparison(string Graph, string Tensor, string Reference, double MaxAbsDiff, double MaxRelDiff, long Violations, long Count)
{
    public int Samples { get; init; } = 1;

    public int SamplesOutside { get; init; }

    public int AllowedSamples { get; init; }

    public bool Passed => Violations == 0 || (SamplesOutside <= AllowedSamples && MaxRelDiff <= 1);

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Graph} {Tensor} vs {Reference}: max |Δ| {MaxAbsDiff:G3}, max |Δ|/scale {MaxRelDiff:G3}, {Violations} of {Count} elements outside tolerance") +
        (Violations == 0 ? "" : $" in {SamplesOutside} of {Samples} samples ({AllowedSamples} allowed)");
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
        sb.Append(CultureInfo.InvariantCulture, $"parity on {BatchSize} inputs (tolerance: {Tolerance}):");
        foreach (var c in Comparisons) sb.Append("\n  ").Append(c.Passed ? "ok   " : "FAIL ").Append(c);
        return sb.ToString();
    }
}

/// <summary>The exported graphs do not reproduce the Trainer's network; nothing was published.</summary>
public sealed class ParityException(string model, ParityOutcome outcome)
    : ExportException($"parity gate refused to publish '{model}': the exported graphs differ from libtorch " +
                      $"({outcome.Comparisons.First(c => !c.Passed)})\n{outcome.Describe()}")
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
                comparisons.Add(Compare("gradient.onnx", name, "libtorch autograd", result[name], reference.Gradients[input.Name], tol, batch.Size));
            }
        }
        return new ParityOutcome(comparisons, tol, batch.Size);
    }

    /// <summary>Throws <see cref="ParityException"/> (with the full report) when any comparison failed.</summary>
    public static void Enforce(string model, ParityOutcome outcome)
    {
        if (!outcome.Passed) throw new ParityException(model, outcome);
    }

    /// <param name="samples">
    /// For an input gradient: the batch size, so that elements outside the bound are counted per sample and kinks are
    /// allowed (see <see cref="ParityTolerance"/>); 0 for forward outputs, which get no such allowance.
    /// </param>
    public static ParityComparison Compare(string graph, string tensor, string referenceName, float[] actual, float[] expected, ParityTolerance tol,
        int samples = 0)
    {
        ArgumentNullException.ThrowIfNull(tol);
        if (actual.Length != expected.Length)
            return new ParityComparison(graph, tensor, referenceName, double.MaxValue, double.MaxValue, Math.Max(actual.Length, expected.Length), expected.Length);
        double maxAbs = 0, scale = 0;
        for (var i = 0; i < actual.Length; i++)
        {
            var diff = Math.Abs((double)actual[i] - expected[i]);
            maxAbs = Math.Max(maxAbs, double.IsNaN(diff) ? double.PositiveInfinity : diff);
            scale = Math.Max(scale, Math.Abs((double)expected[i]));
        }
        var rows = Math.Max(samples, 1);
        var perRow = actual.Length / rows;
        long violations = 0;
        var rowsOutside = 0;
        for (var r = 0; r < rows; r++)
        {
            var before = violations;
            for (var i = r * perRow; i < (r + 1) * perRow; i++)
                if (!tol.Within(actual[i], expected[i], scale)) violations++;
            if (violations > before) rowsOutside++;
        }
        var maxRel = scale > 0 ? maxAbs / scale : maxAbs > 0 ? double.PositiveInfinity : 0;
        // JSON has no infinity: an unbounded difference is reported as the largest double.
        return new ParityComparison(graph, tensor, referenceName, Finite(maxAbs), Finite(maxRel), violations, actual.Length)
        {
            Samples = rows,
            SamplesOutside = rowsOutside,
            AllowedSamples = samples > 0 ? (int)Math.Floor(tol.KinkSamples * samples) : 0,
        };
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
    public static Tensor Heads(Tensor raw, IReadOnlyList<TaskInfo> tasks, Func<TaskInfo, bool> probability)
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
