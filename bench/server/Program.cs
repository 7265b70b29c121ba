// Inference server benchmark. Two commands:
//   make-repo <repo>                 writes a ResidualBind-shaped ONNX model (random weights) + manifest as <repo>/residualbind/1
//   run --server URL --repo <repo>   measures, in this (client) process, against a server in another process:
//        in-process ONNX Runtime at batch 256, unary Predict with batches of 256, PredictStream with batches of 256,
//        latency at low load (1 sequence, one call at a time), and many concurrent 1-sequence clients.
// Results go to stdout as JSON lines.
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using RbpPipeline.Client;
using RbpPipeline.Contracts.Labels;
using RbpPipeline.Contracts.Manifests;
using RbpPipeline.Contracts.Rbp.V1;
using RbpPipeline.Contracts.SequenceEncoding;
using Grpc.Core;
using RbpPipeline.Onnx.Format;
using RbpPipeline.Onnx.Runtime;

NativeEnvironment.Prepare();
var command = args.Length > 0 ? args[0] : "";
string Arg(string name, string fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
}

const string ModelName = "residualbind";
const int Length = 41;

switch (command)
{
    case "make-repo":
        MakeRepo(args[1]);
        return 0;
    case "run":
        await RunAsync(Arg("--server", "http://127.0.0.1:50051"), Arg("--repo", "models"),
            double.Parse(Arg("--seconds", "5"), CultureInfo.InvariantCulture), int.Parse(Arg("--threads", "1"), CultureInfo.InvariantCulture),
            Arg("--parts", "inproc,unary,stream,latency,small").Split(','), Arg("--label", ""));
        return 0;
    default:
        Console.Error.WriteLine("usage: make-repo <repo> | run --server URL --repo DIR [--seconds S] [--threads N] [--parts a,b] [--label L]");
        return 2;
}

static void MakeRepo(string repo)
{
    var folder = Path.Combine(repo, ModelName, "1");
    Directory.CreateDirectory(folder);
    File.WriteAllBytes(Path.Combine(folder, "model.onnx"), ResidualBind().ToByteArray());
    var encoding = new EncodingSpec { Length = Length, LengthPolicy = LengthPolicy.Centre };
    var manifest = new ModelManifest
    {
        Name = ModelName,
        Version = 1,
        Kind = ManifestKind.Model,
        Architecture = new ArchitectureInfo { Name = "residualbind", Hyperparameters = new Dictionary<string, JsonElement>() },
        Tasks = [new RbpPipeline.Contracts.Manifests.TaskInfo { Name = "RBFOX2", Type = TaskType.Regression, LabelTransform = new LabelTransformChain { Steps = [new ZScoreTransform { Mean = 0.5, Std = 1.5 }] } }],
        Encoding = encoding,
        Inputs = RbpPipeline.Contracts.Manifests.InputInfo.From(encoding),
        Outputs = [new OutputInfo { Name = "raw", Meaning = OutputMeaning.Raw, Shape = [-1, 1] }],
        Provenance = new Provenance
        {
            ConfigSha256 = new string('0', 64),
            DataSha256 = new Dictionary<string, string>(),
            Seed = 1,
            LibraryVersions = new Dictionary<string, string>(),
            CreatedUtc = new DateTimeOffset(DateTime.UtcNow.Ticks, TimeSpan.Zero),
        },
        Files = new Dictionary<string, FileEntry> { ["model.onnx"] = FileEntry.Of(folder, "model.onnx") },
    };
    ModelManifestJson.Save(manifest, Path.Combine(folder, ModelManifest.FileName));
    File.WriteAllText(Path.Combine(repo, ModelName, "config.pbtxt"), $"name: \"{ModelName}\"\nplatform: \"onnxruntime_onnx\"\nmax_batch_size: 256\n");
    Console.WriteLine(folder);
}

// ResidualBind's shape: Conv 4→96 (k 11, same) + ReLU, a residual block of three dilated convolutions (k 3,
// dilations 1, 2, 4) + ReLU, AvgPool 10, Dense 256 + ReLU, Dense 1. Random weights (He-scaled).
static ModelProto ResidualBind()
{
    var random = new Random(7);
    float[] Random(int count, int fanIn)
    {
        var scale = MathF.Sqrt(2f / fanIn);
        var w = new float[count];
        for (var i = 0; i < count; i++) w[i] = (float)(random.NextDouble() * 2 - 1) * scale;
        return w;
    }
    var g = new OnnxGraphBuilder("residualbind");
    var x = g.AddInput("sequence", TensorProto.Types.DataType.Float, OnnxDim.Batch, 4, Length);
    string Conv(string input, int cin, int cout, int k, int dilation, string name)
    {
        var w = g.AddFloatInitializer($"{name}.w", Random(cout * cin * k, cin * k), cout, cin, k);
        var b = g.AddFloatInitializer($"{name}.b", new float[cout], cout);
        var pad = dilation * (k - 1) / 2;
        return g.AddNode("Conv", [input, w, b], name, OnnxAttributes.Ints("kernel_shape", k), OnnxAttributes.Ints("pads", pad, pad),
            OnnxAttributes.Ints("dilations", dilation), OnnxAttributes.Ints("strides", 1));
    }
    var h = g.AddNode("Relu", [Conv(x, 4, 96, 11, 1, "conv1")]);
    var r = h;
    r = g.AddNode("Relu", [Conv(r, 96, 96, 3, 1, "res1")]);
    r = g.AddNode("Relu", [Conv(r, 96, 96, 3, 2, "res2")]);
    r = Conv(r, 96, 96, 3, 4, "res3");
    h = g.AddNode("Relu", [g.AddNode("Add", [h, r])]);
    var pooled = g.AddNode("AveragePool", [h], "pool", OnnxAttributes.Ints("kernel_shape", 10), OnnxAttributes.Ints("strides", 10));
    var flat = g.AddNode("Flatten", [pooled], "flat", OnnxAttributes.Int("axis", 1)); // 96 × 4 = 384
    var w1 = g.AddFloatInitializer("dense1.w", Random(384 * 256, 384), 384, 256);
    var b1 = g.AddFloatInitializer("dense1.b", new float[256], 256);
    var d = g.AddNode("Relu", [g.AddNode("Gemm", [flat, w1, b1])]);
    var w2 = g.AddFloatInitializer("dense2.w", Random(256, 256), 256, 1);
    var b2 = g.AddFloatInitializer("dense2.b", new float[1], 1);
    g.AddNodeWithOutputs("Gemm", [d, w2, b2], ["raw"]);
    g.AddOutput("raw", TensorProto.Types.DataType.Float, OnnxDim.Batch, 1);
    return g.Build("bench");
}

static async Task RunAsync(string server, string repo, double seconds, int threads, string[] parts, string label)
{
    var random = new Random(1);
    var pool = Enumerable.Range(0, 4096).Select(_ => new string([.. Enumerable.Range(0, Length).Select(_ => "ACGU"[random.Next(4)])])).ToArray();
    var batches = Enumerable.Range(0, 16).Select(b => pool.Skip(b * 256).Take(256).ToArray()).ToArray();
    void Report(string test, object result) =>
        Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object> { ["test"] = test, ["label"] = label, ["result"] = result }));

    if (parts.Contains("inproc"))
    {
        using var options = new SessionOptions { IntraOpNumThreads = threads, InterOpNumThreads = 1, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        using var session = new InferenceSession(Path.Combine(repo, ModelName, "1", "model.onnx"), options);
        var encoder = new SequenceEncoder(new EncodingSpec { Length = Length, LengthPolicy = LengthPolicy.Centre });
        var encoded = batches.Select(b => encoder.EncodeBatch(b)).ToArray();
        using var runOptions = new RunOptions();
        long rows = 0;
        var i = 0;
        void RunOnce()
        {
            using var input = OrtValue.CreateTensorValueFromMemory(encoded[i++ % encoded.Length], [256, 4, Length]);
            using var output = session.Run(runOptions, ["sequence"], [input], ["raw"]);
            rows += 256;
        }
        for (var w = 0; w < 10; w++) RunOnce();
        rows = 0;
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed.TotalSeconds < seconds) RunOnce();
        Report("inproc_batch256", new { rows_per_s = rows / sw.Elapsed.TotalSeconds });
    }

    using var connection = ServerConnection.Open(new ServerOptions { Servers = [server] });
    var client = connection.Models;
    // Warm up both processes (tiered JIT, connection, pools) for 2 s before anything is timed.
    var warm = Stopwatch.StartNew();
    for (var i = 0; warm.Elapsed.TotalSeconds < 2; i++)
    {
        var request = new PredictRequest { Model = ModelName };
        request.Sequences.AddRange(i % 2 == 0 ? batches[i % batches.Length] : [pool[i]]);
        await client.PredictAsync(request);
    }

    if (parts.Contains("unary"))
    {
        foreach (var concurrency in new[] { 1, 2 })
        {
            long rows = 0;
            var sw = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async c =>
            {
                for (var i = c; sw.Elapsed.TotalSeconds < seconds; i++)
                {
                    var request = new PredictRequest { Model = ModelName };
                    request.Sequences.AddRange(batches[i % batches.Length]);
                    var response = await client.PredictAsync(request);
                    Interlocked.Add(ref rows, response.Predictions.Count);
                }
            }));
            Report($"unary_batch256_c{concurrency}", new { rows_per_s = rows / sw.Elapsed.TotalSeconds });
        }
    }

    if (parts.Contains("stream"))
    {
        using var call = client.PredictStream();
        long rows = 0;
        var window = new SemaphoreSlim(4);
        var sw = Stopwatch.StartNew();
        var reader = Task.Run(async () =>
        {
            while (await call.ResponseStream.MoveNext())
            {
                Interlocked.Add(ref rows, call.ResponseStream.Current.Predictions.Count);
                window.Release();
            }
        });
        for (var i = 0; sw.Elapsed.TotalSeconds < seconds; i++)
        {
            await window.WaitAsync();
            var request = new PredictRequest { Model = ModelName, Id = i.ToString(CultureInfo.InvariantCulture) };
            request.Sequences.AddRange(batches[i % batches.Length]);
            await call.RequestStream.WriteAsync(request);
        }
        await call.RequestStream.CompleteAsync();
        await reader;
        Report("stream_batch256", new { rows_per_s = rows / sw.Elapsed.TotalSeconds });
    }

    if (parts.Contains("latency"))
    {
        foreach (var size in new[] { 1, 256 })
        {
            var latencies = new List<double>();
            var sw = Stopwatch.StartNew();
            for (var i = 0; sw.Elapsed.TotalSeconds < seconds / 2; i++)
            {
                var request = new PredictRequest { Model = ModelName };
                request.Sequences.AddRange(size == 1 ? [pool[i % pool.Length]] : batches[i % batches.Length]);
                var start = Stopwatch.GetTimestamp();
                await client.PredictAsync(request);
                latencies.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            }
            Report($"latency_unary_{size}", Percentiles(latencies));
        }
    }

    if (parts.Contains("small"))
    {
        foreach (var clients in new[] { 64 })
        {
            var latencies = new List<double>[clients];
            var sw = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, clients).Select(async c =>
            {
                latencies[c] = [];
                for (var i = c; sw.Elapsed.TotalSeconds < seconds; i += clients)
                {
                    var start = Stopwatch.GetTimestamp();
                    await client.PredictAsync(new PredictRequest { Model = ModelName, Sequences = { pool[i % pool.Length] } });
                    latencies[c].Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                }
            }));
            var all = latencies.SelectMany(l => l).ToList();
            Report($"small_c{clients}", new { rows_per_s = all.Count / sw.Elapsed.TotalSeconds, latency = Percentiles(all) });
        }
    }
}

static object Percentiles(List<double> values)
{
    values.Sort();
    double At(double p) => values[Math.Min(values.Count - 1, (int)Math.Floor(p * values.Count))];
    return new { n = values.Count, p50_ms = At(0.50), p99_ms = At(0.99) };
}
