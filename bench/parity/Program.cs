// Parity calibration: for each checkpoint given, builds model.onnx and gradient.onnx as the Exporter does and runs
// them (ONNX Runtime, float32) on the parity gate's own inputs, next to TorchSharp's libtorch float32 (what the gate compares
// with) and libtorch float64 (the same weights and inputs: an oracle of the exact function). Prints, per graph and
// tensor, |ORT − torch32| (max, 99.9th and 99th percentile, scale = max |torch32|), how far each float32 side is
// from float64, and the elements outside the gate's tolerance split by which side float64 agrees with: an element
// where float64 agrees with one float32 side only sits at a kink (a ReLU input or a max-pool tie within rounding
// of each other), where both float32 results are legitimate roundings of a non-differentiable point.
// Usage: Program <checkpoint folder>... ; THREADS (default 1); INPUTS (default 32, the gate's batch: half CLIP-like,
// half random sequences; more inputs sample the kinks better).
using System.Globalization;
using RbpPipeline.Contracts.Manifests;
using RbpPipeline.Exporter.Graphs;
using RbpPipeline.Exporter.Parity;
using RbpPipeline.Onnx.Runtime;
using RbpPipeline.Trainer.Checkpoints;
using RbpPipeline.Trainer.Networks;
using TorchSharp;
using static TorchSharp.torch;

NativeEnvironment.Prepare();
var threads = int.TryParse(Environment.GetEnvironmentVariable("THREADS"), out var t) ? t : 1;
set_num_threads(threads);
var inputs = int.TryParse(Environment.GetEnvironmentVariable("INPUTS"), out var n) ? n : 32;
var tolerance = ParityTolerance.Default;
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"tolerance: {tolerance}"));
Console.WriteLine("| model | graph | tensor | n | scale | max abs ORT−t32 | p99.9 | p99 | max abs ORT−f64 | max abs t32−f64 | outside tolerance | of those, f64 sides with one | gate |");
Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
foreach (var folder in args)
{
    var checkpoint = Checkpoint.Open(folder);
    var manifest = checkpoint.Manifest;
    var architecture = Architectures.Get(manifest.Architecture.Name);
    using var network = checkpoint.CreateNetwork(architecture);
    using var network64 = checkpoint.CreateNetwork(architecture);
    network64.Module.to(float64);
    var spec = new OnnxExportSpec { Tasks = manifest.Tasks };
    var graphs = OnnxExport.Build(network.Graph, WeightSet.FromModule(network.Module), spec);
    var batch = ParityBatch.FromEncoding(manifest.Encoding, manifest.OutputColumns, inputs / 2, inputs - inputs / 2);
    var t32 = Reference(network, manifest.Tasks, graphs.GradientTarget, batch, float32);
    var f64 = Reference(network64, manifest.Tasks, graphs.GradientTarget, batch, float64);
    var outputs = graphs.Outputs.Select(o => o.Name).ToList();
    if (Environment.GetEnvironmentVariable("DUMP") is { } dump)
    {
        File.WriteAllBytes(Path.Combine(dump, manifest.Name + ".gradient.onnx"), graphs.Gradient);
        File.WriteAllBytes(Path.Combine(dump, manifest.Name + ".model.onnx"), graphs.Model);
        foreach (var input in batch.Inputs)
            File.WriteAllBytes(Path.Combine(dump, $"{manifest.Name}.{input.Name}.f32"), System.Runtime.InteropServices.MemoryMarshal.AsBytes(input.Data.AsSpan()).ToArray());
    }
    using (var model = new OrtRunner(Unoptimized(graphs.Model), threads))
    {
        var ort = model.Run(batch.Inputs, outputs);
        foreach (var name in outputs) Row(batch.Size, manifest.Name, "model.onnx", name, ort[name], t32[name], f64[name]);
    }
    using (var gradient = new OrtRunner(Unoptimized(graphs.Gradient), threads))
    {
        var names = outputs.Concat(batch.Inputs.Select(i => GradientGraph.GradientOutput(i.Name))).ToList();
        var ort = gradient.Run([.. batch.Inputs, batch.OutputWeights], names);
        foreach (var name in names) Row(batch.Size, manifest.Name, "gradient.onnx", name, ort[name], t32[name], f64[name]);
    }
}

// ORT_OPTIMIZED=0: the graph as written, through ONNX Runtime's basic optimizations only (no kernel fusion), by
// saving the model ORT would run at that level and loading that one (OrtRunner always asks for every optimization,
// which leaves an already optimized graph as it is).
static byte[] Unoptimized(byte[] model)
{
    if (Environment.GetEnvironmentVariable("ORT_OPTIMIZED") != "0") return model;
    var path = Path.GetTempFileName();
    try
    {
        using (var options = new Microsoft.ML.OnnxRuntime.SessionOptions { GraphOptimizationLevel = Microsoft.ML.OnnxRuntime.GraphOptimizationLevel.ORT_DISABLE_ALL, OptimizedModelFilePath = path })
        using (new Microsoft.ML.OnnxRuntime.InferenceSession(model, options)) { }
        return File.ReadAllBytes(path);
    }
    finally { File.Delete(path); }
}

void Row(int batchSize, string model, string graph, string tensor, float[] ort, double[] t32, double[] f64)
{
    var n = ort.Length;
    var diffs = new double[n];
    double scale = 0, ortF64 = 0, t32F64 = 0;
    for (var i = 0; i < n; i++)
    {
        diffs[i] = Math.Abs(ort[i] - t32[i]);
        scale = Math.Max(scale, Math.Abs(t32[i]));
        ortF64 = Math.Max(ortF64, Math.Abs(ort[i] - f64[i]));
        t32F64 = Math.Max(t32F64, Math.Abs(t32[i] - f64[i]));
    }
    var expected = t32.Select(v => (float)v).ToArray();
    var samples = tensor.StartsWith("grad_", StringComparison.Ordinal) ? batchSize : 0;
    var comparison = ParityGate.Compare(graph, tensor, "libtorch", ort, expected, tolerance, samples);
    long outside = 0, kink = 0;
    for (var i = 0; i < n; i++)
    {
        if (tolerance.Within(ort[i], t32[i], scale)) continue;
        outside++;
        if (tolerance.Within(ort[i], f64[i], scale) != tolerance.Within(t32[i], f64[i], scale)) kink++;
        if (Environment.GetEnvironmentVariable("VERBOSE") is not null && samples > 0)
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {model} sample {i / (n / samples)} element {i % (n / samples)}: ort {ort[i]:G6} torch32 {t32[i]:G6} float64 {f64[i]:G6}"));
    }
    var sorted = diffs.Order().ToArray();
    double Pct(double p) => sorted[Math.Min(n - 1, (int)Math.Floor(p * (n - 1)))];
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| {model} | {graph} | {tensor} | {n} | {scale:G3} | {sorted[^1]:G3} | {Pct(0.999):G3} | {Pct(0.99):G3} | {ortF64:G3} | {t32F64:G3} | {outside} in {comparison.SamplesOutside}/{comparison.Samples} samples | {kink} | {(comparison.Passed ? "pass" : "REFUSED")} |"));
}

// What the gate's reference does (ParityGate), in the given precision: eval-mode forward, and autograd of
// sum(target · w) with respect to the inputs.
static Dictionary<string, double[]> Reference(INetwork network, IReadOnlyList<TaskInfo> tasks, GradientInfo target, ParityBatch batch, ScalarType type)
{
    using var scope = NewDisposeScope();
    network.Module.eval();
    var result = new Dictionary<string, double[]>(StringComparer.Ordinal);
    var inputs = batch.Inputs.Select(i => tensor(i.Data, i.Shape).to(type)).ToList();
    foreach (var x in inputs) x.requires_grad_(true);
    var raw = network.Forward(inputs);
    result[OnnxExport.RawOutput] = raw.detach().to(float64).contiguous().data<double>().ToArray();
    if (OnnxExport.HasProbability(tasks))
        result[OnnxExport.ProbabilityOutput] = ParityGate.Heads(raw, tasks, _ => true).detach().to(float64).contiguous().data<double>().ToArray();
    var w = tensor(batch.OutputWeights.Data, batch.OutputWeights.Shape).to(type);
    (ParityGate.Heads(raw, tasks, t => target.Spaces[t.Name] == GradientSpace.Probability) * w).sum().backward();
    for (var i = 0; i < inputs.Count; i++)
        result[GradientGraph.GradientOutput(batch.Inputs[i].Name)] = inputs[i].grad!.to(float64).contiguous().data<double>().ToArray();
    return result;
}
