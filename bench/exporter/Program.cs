// Exporter benchmark: sequences/s of ResidualBind (paper defaults: 96 filters, dense 256) as exported model.onnx and
// gradient.onnx in ONNX Runtime, next to the same network in libtorch (eval-mode forward; forward + backward to the
// input), in one process on the same inputs. Each round measures every (length, batch, engine) once, in turn, so slow
// phases of a shared machine hit all of them; the table shows medians over rounds.
// Usage: Program [rounds=3] [seconds-per-measurement=1.0]; THREADS (default 1) sets both engines' intra-op threads.
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using RbpPipeline.Contracts.Manifests;
using RbpPipeline.Exporter.Graphs;
using RbpPipeline.Onnx.Runtime;
using RbpPipeline.Trainer.Networks;
using static TorchSharp.torch;

var inv = CultureInfo.InvariantCulture;
var rounds = args.Length > 0 ? int.Parse(args[0], inv) : 3;
var seconds = args.Length > 1 ? double.Parse(args[1], inv) : 1.0;
var threads = int.TryParse(Environment.GetEnvironmentVariable("THREADS"), out var t) ? t : 1;
int[] lengths = [41, 101];
int[] batches = [1, 64, 256, 1024];
string[] engines = ["ort-forward", "torch-forward", "ort-gradient", "torch-backward"];

NativeEnvironment.Prepare();
set_num_threads(threads);
manual_seed(1);
var cases = new List<Case>();
foreach (var length in lengths)
{
    var shape = new NetworkShape([new NetworkInput("sequence", 4, length)], 1);
    var network = Architectures.Get(ArchitectureKey.ResidualBind).Create(shape, new Dictionary<string, JsonElement>());
    network.Module.eval();
    var graphs = OnnxExport.Build(network.Graph, WeightSet.FromModule(network.Module),
        new OnnxExportSpec { Tasks = [new TaskInfo { Name = "score", Type = TaskType.Regression }] });
    var options = new SessionOptions { IntraOpNumThreads = threads, InterOpNumThreads = 1, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
    cases.Add(new Case(length, network, new InferenceSession(graphs.Model, options), new InferenceSession(graphs.Gradient, options)));
}

var results = new Dictionary<(int, int, string), List<double>>();
Console.Error.WriteLine($"threads {threads}, {rounds} rounds, {seconds} s per measurement, {Environment.ProcessorCount} cores");
for (var round = 0; round < rounds; round++)
    foreach (var c in cases)
        foreach (var batch in batches)
        {
            var random = new Random(batch * 1000 + c.Length);
            var x = new float[batch * 4 * c.Length];
            for (var n = 0; n < batch; n++)
                for (var p = 0; p < c.Length; p++) x[(n * 4 + random.Next(4)) * c.Length + p] = 1f;
            var w = Enumerable.Repeat(1f, batch).ToArray();
            foreach (var engine in engines)
            {
                var rate = Measure(engine, c, x, w, batch, seconds);
                var key = (c.Length, batch, engine);
                if (!results.TryGetValue(key, out var list)) results[key] = list = [];
                list.Add(rate);
                Console.Error.WriteLine(string.Create(inv, $"round {round + 1}: {c.Length} nt, batch {batch,4}, {engine,-14} {rate,10:F0} seq/s"));
            }
        }

Console.WriteLine($"| length | batch | ORT model.onnx | libtorch forward | ORT / libtorch | ORT gradient.onnx | libtorch fwd+bwd | ORT / libtorch | gradient call / forward call (ORT) |");
Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
foreach (var length in lengths)
    foreach (var batch in batches)
    {
        double M(string e) => Median(results[(length, batch, e)]);
        var (of, tf, og, tb) = (M("ort-forward"), M("torch-forward"), M("ort-gradient"), M("torch-backward"));
        Console.WriteLine(string.Create(inv, $"| {length} | {batch} | {of:F0} | {tf:F0} | {of / tf:F2} | {og:F0} | {tb:F0} | {og / tb:F2} | {of / og:F2} |"));
    }
foreach (var c in cases) { c.Model.Dispose(); c.Gradient.Dispose(); c.Network.Dispose(); }
return 0;

static double Median(List<double> values)
{
    var sorted = values.Order().ToList();
    return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
}

static double Measure(string engine, Case c, float[] x, float[] w, int batch, double seconds)
{
    Action call = engine switch
    {
        "ort-forward" => OrtCall(c.Model, x, null, batch, c.Length, ["raw"]),
        "ort-gradient" => OrtCall(c.Gradient, x, w, batch, c.Length, ["raw", "grad_sequence"]),
        "torch-forward" => TorchCall(c.Network, x, w, batch, c.Length, backward: false),
        _ => TorchCall(c.Network, x, w, batch, c.Length, backward: true),
    };
    call(); // warm-up (first-call allocations, kernel selection)
    call();
    var clock = Stopwatch.StartNew();
    long calls = 0;
    while (clock.Elapsed.TotalSeconds < seconds || calls < 3) { call(); calls++; }
    return calls * batch / clock.Elapsed.TotalSeconds;
}

static Action OrtCall(InferenceSession session, float[] x, float[]? w, int batch, int length, string[] outputs)
{
    var inputNames = w is null ? new[] { "sequence" } : ["sequence", "output_weights"];
    return () =>
    {
        using var xv = OrtValue.CreateTensorValueFromMemory(x, [batch, 4, length]);
        using var wv = w is null ? null : OrtValue.CreateTensorValueFromMemory(w, [batch, 1]);
        using var options = new RunOptions();
        using var results = session.Run(options, inputNames, w is null ? [xv] : [xv, wv!], outputs);
    };
}

static Action TorchCall(INetwork network, float[] x, float[] w, int batch, int length, bool backward) => () =>
{
    using var scope = NewDisposeScope();
    var input = tensor(x, [batch, 4, length]);
    if (!backward)
    {
        using var _ = no_grad();
        network.Forward([input]);
        return;
    }
    input.requires_grad_(true);
    var output = network.Forward([input]);
    (output * tensor(w, [batch, 1])).sum().backward();
    _ = input.grad!.sum().item<float>();
};

sealed record Case(int Length, INetwork Network, InferenceSession Model, InferenceSession Gradient);
