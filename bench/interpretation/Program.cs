// Interpretation benchmark (issue #8), on one trained ResidualBind (101 nt, filters 32, dense 64) in one process:
//   IG:  integrated gradients (50 Gauss–Legendre steps, zeros baseline) through an in-process InferenceServerHost over
//        gRPC on loopback (gradient.onnx), against libtorch autograd on the checkpoint's frozen weights; sequences/s, ratio,
//        and the largest difference between the two results.
//   GIA: a 6-mer scan at the centre over dinucleotide-shuffled backgrounds through the same server (model.onnx),
//        against the floor 4⁶ × backgrounds / in-process forward throughput.
// Progress goes to stderr; the Markdown tables to stdout. Usage: see BenchOptions.Usage.
using System.Globalization;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using RbpPipeline.Bench.Interpretation;
using RbpPipeline.Client;
using RbpPipeline.InferenceServer.Hosting;
using RbpPipeline.Onnx.Runtime;
using static TorchSharp.torch;

var inv = CultureInfo.InvariantCulture;
BenchOptions options;
try { options = BenchOptions.Parse(args); }
catch (Exception e) when (e is ArgumentException or FormatException)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}
var ct = CancellationToken.None;
NativeEnvironment.Prepare();
Console.Error.WriteLine($"# {Environment.ProcessorCount} cores, threads {options.Threads}, load average {LoadAverage()}");

var model = await BenchModel.PrepareAsync(options.Work, Console.Error, ct);
// After training (which used every core): both engines get the same intra-op thread count from here on.
set_num_threads(options.Threads);
await using var host = await InferenceServerHost.StartAsync(new GrpcServerOptions { Port = 0 },
    new ServingOptions
    {
        RepositoryPath = model.Repository,
        WatchRepository = false,
        IntraOpThreads = options.Threads,
        MaxBatchSize = options.MaxBatch,
    },
    logging => logging.ClearProviders(), ct);
using var connection = ServerConnection.Open(new ServerOptions { Servers = [host.Address.ToString()], MaxReceiveMessageSize = 256 * 1024 * 1024 });
var served = new ServedInterpretation(connection.Interpretation, BenchModel.Name);

var loadBefore = LoadAverage();
IgBenchmark.Result? ig = null;
GiaBenchmark.Result? gia = null;
string? giaMissing = null;
if (options.Parts.Contains("ig")) ig = await new IgBenchmark(served, host.Metrics, model, options, Console.Error).RunAsync(ct);
if (options.Parts.Contains("gia"))
{
    try { gia = await new GiaBenchmark(served, host.Metrics, model, options, Console.Error).RunAsync(ct); }
    catch (RpcException e) when (e.StatusCode == StatusCode.Unimplemented)
    {
        giaMissing = $"GlobalImportance answered UNIMPLEMENTED ({e.Status.Detail})";
    }
}
var loadAfter = LoadAverage();

Console.WriteLine(string.Create(inv, $"\nModel: {BenchModel.Name} (ResidualBind, {BenchModel.Length} nt, filters 32, dense 64, trained 3 epochs on synthetic CLIP-like data); " +
    $"{options.Threads} intra-op thread(s) for ONNX Runtime and libtorch; server max batch {options.MaxBatch}; load average {loadBefore} before, {loadAfter} after."));
if (ig is not null) PrintIg(ig);
if (gia is not null) PrintGia(gia);
if (giaMissing is not null) Console.WriteLine($"\nGIA not measured: {giaMissing}.");
return 0;

void PrintIg(IgBenchmark.Result r)
{
    Console.WriteLine(string.Create(inv, $"\n| IG, {IgBenchmark.Steps} Gauss–Legendre steps, zeros baseline, {r.Sequences} sequences/round, median of {options.Rounds} (threads {options.Threads}) | sequences/s | × libtorch |"));
    Console.WriteLine("|---|---:|---:|");
    Console.WriteLine(string.Create(inv, $"| libtorch autograd in-process ({IgBenchmark.Chunk} sequences × {IgBenchmark.Steps} steps per forward/backward) | {r.TorchPerSecond:F1} | 1.00 |"));
    Console.WriteLine(string.Create(inv, $"| **server, Attribute over gRPC (loopback, in-process host)** | **{r.ServerPerSecond:F1}** | **{r.Ratio:F2}** |"));
    Console.WriteLine(string.Create(inv, $"\nIG agreement: max |server − libtorch| = {r.MaxAbsDifference:E2} over {r.Sequences} × 4 × {BenchModel.Length} attributions (largest |attribution| {r.MaxAbsAttribution:F4})."));
    Console.WriteLine(string.Create(inv, $"Server: {r.ServerOrtShare:P0} of its IG wall time was inside ONNX Runtime runs (gradient.onnx and model.onnx)."));
}

void PrintGia(GiaBenchmark.Result r)
{
    Console.WriteLine(string.Create(inv, $"\n| GIA 6-mer scan at position {GiaBenchmark.Position}, {r.Backgrounds:N0} dinucleotide-shuffled backgrounds of {GiaBenchmark.ReferenceSequences:N0} reference sequences (threads {options.Threads}) | value |"));
    Console.WriteLine("|---|---:|");
    foreach (var (batch, rate) in r.ForwardBefore.OrderBy(f => f.Key))
        Console.WriteLine(string.Create(inv, $"| in-process ONNX Runtime forward, batch {batch}, before / after the scan | {rate:N0} / {r.ForwardAfter[batch]:N0} seq/s |"));
    Console.WriteLine(string.Create(inv, $"| predictions (4⁶ × backgrounds) | {r.Predictions:N0} |"));
    Console.WriteLine(string.Create(inv, $"| floor (predictions / best batch's forward, mean of before and after) | {r.FloorSeconds:F1} s |"));
    Console.WriteLine(string.Create(inv, $"| **server wall time, GlobalImportance over gRPC** | **{r.WallSeconds:F1} s** |"));
    Console.WriteLine(string.Create(inv, $"| **wall / floor** | **{r.Ratio:F2}** |"));
    Console.WriteLine(string.Create(inv, $"| server's ONNX Runtime run time during the scan (share of wall) | {r.Server.RunSeconds:F1} s ({r.Server.RunSeconds / r.WallSeconds:P0}) |"));
    Console.WriteLine(string.Create(inv, $"| server's ONNX Runtime throughput inside its runs, batch {options.MaxBatch} | {r.Server.RowsPerRunSecond:N0} seq/s |"));
    Console.WriteLine($"\nTop 6-mer: {r.TopKmer}.");
}

static string LoadAverage() =>
    File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
