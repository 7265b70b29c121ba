// Server memory benchmark helper (run.sh drives it; one configuration per process, so VmHWM is that configuration's):
//   --model PATH --models N --memory PerSessionArena|SharedArena|SharedArenaWithMemoryPattern|NoArena [--batch 2048] [--rounds 3]
//   [--concurrency 1] [--threads 2]
// Loads N sessions of the model with the inference server's OnnxSessionFactory and the given memory setting, then
// runs every model on a batch of random one-hot sequences `rounds` times, round-robin, from `concurrency` threads
// (at most one run per model at a time, as the server's one worker per model does). Prints one JSON line: resident
// memory after loading and peak resident memory (VmHWM) at the end, in MiB, and the sequences/s of the runs.
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML.OnnxRuntime;
using RbpPipeline.InferenceServer.Execution;
using RbpPipeline.InferenceServer.Hosting;
using RbpPipeline.Onnx.Runtime;

NativeEnvironment.Prepare();
string Arg(string name, string? fallback = null)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1]
        : fallback ?? throw new ArgumentException($"{name} is required (see the comment at the top of Program.cs)");
}
int IntArg(string name, int fallback) => int.Parse(Arg(name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);

var modelPath = Arg("--model");
var models = IntArg("--models", 1);
var memory = Enum.Parse<SessionMemory>(Arg("--memory"), ignoreCase: true);
var batch = IntArg("--batch", 2048);
var rounds = IntArg("--rounds", 3);
var concurrency = Math.Min(IntArg("--concurrency", 1), models);
var threads = IntArg("--threads", 2);

var factory = new OnnxSessionFactory(new ServingOptions { IntraOpThreads = threads }, NullLogger<OnnxSessionFactory>.Instance, memory);
var bytes = File.ReadAllBytes(modelPath);
var sessions = Enumerable.Range(0, models).Select(_ => factory.Create(bytes)).ToArray();
try
{
    var afterLoad = Status("VmRSS");
    var input = sessions[0].InputNames[0];
    var rowShape = sessions[0].InputShapes[input].Skip(1).Select(d => (long)d).ToArray();
    var rowSize = (int)rowShape.Aggregate(1L, (a, b) => a * b);
    var channels = (int)rowShape[0];
    var data = new float[batch * rowSize];
    var random = new Random(1);
    for (var n = 0; n < batch; n++) // one-hot along the channel axis at every position
        for (var p = 0; p < rowSize / channels; p++)
            data[n * rowSize + random.Next(channels) * (rowSize / channels) + p] = 1f;
    long[] shape = [batch, .. rowShape];

    var clock = System.Diagnostics.Stopwatch.StartNew();
    // Thread t runs models t, t + concurrency, …: no model runs twice at once, `concurrency` models run together.
    var workers = Enumerable.Range(0, concurrency).Select(t => Task.Run(() =>
    {
        using var runOptions = new RunOptions();
        for (var r = 0; r < rounds; r++)
            for (var m = t; m < models; m += concurrency)
                sessions[m].Run([input], [data], [shape], [sessions[m].OutputNames[0]], runOptions);
    })).ToArray();
    Task.WaitAll(workers);
    var seconds = clock.Elapsed.TotalSeconds;

    Console.WriteLine(JsonSerializer.Serialize(new
    {
        memory = memory.ToString(), models, concurrency, batch, rounds, threads,
        rss_after_load_mib = afterLoad / 1024.0, peak_rss_mib = Status("VmHWM") / 1024.0,
        sequences_per_s = (double)batch * rounds * models / seconds,
    }));
}
finally
{
    foreach (var session in sessions) session.Dispose();
}
return 0;

// A /proc/self/status field in KiB.
static long Status(string field)
{
    var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith(field + ":", StringComparison.Ordinal));
    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
}
