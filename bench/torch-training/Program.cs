// Trains ResidualBind (41 nt one-hot input, batch 100, Adam, MSE) on synthetic data and prints one JSON line
// with the throughput. Usage: --threads N --steps S --warmup W --batch B [--eval 1]. train.py is the PyTorch twin.
// --eval 1 times eval-mode forward passes without gradients instead (what evaluation and prediction do), to pick
// the evaluation batch size.
using System.Diagnostics;
using System.Globalization;
using TorchSharp;
using RbpPipeline.Bench.TorchTraining;
using static TorchSharp.torch;

var options = new Dictionary<string, int> { ["threads"] = 1, ["steps"] = 150, ["warmup"] = 20, ["batch"] = 100, ["eval"] = 0 };
for (var i = 0; i + 1 < args.Length; i += 2)
    options[args[i].TrimStart('-')] = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
int threads = options["threads"], steps = options["steps"], warmup = options["warmup"], batch = options["batch"];
const int batches = 20;

set_num_threads(threads);
manual_seed(0);
// Same generator calls in the same order as train.py, so both train on identical data.
using var x = nn.functional.one_hot(randint(0, 4, [batches * batch, 41]), 4).permute(0, 2, 1).to(ScalarType.Float32).contiguous();
using var y = randn([batches * batch, 1]);
using var model = new ResidualBind();
model.train();
using var optimizer = optim.Adam(model.parameters(), 1e-3);

void Step(int i)
{
    using var scope = NewDisposeScope();
    var b = i % batches;
    optimizer.zero_grad();
    var loss = nn.functional.mse_loss(model.call(x.narrow(0, b * batch, batch)), y.narrow(0, b * batch, batch));
    loss.backward();
    optimizer.step();
}

if (options["eval"] != 0)
{
    model.eval();
    void Forward(int i)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        model.call(x.narrow(0, i % batches * batch, batch));
    }
    for (var i = 0; i < warmup; i++) Forward(i);
    var clock = Stopwatch.StartNew();
    for (var i = 0; i < steps; i++) Forward(warmup + i);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{{\"impl\": \"csharp-eval\", \"threads\": {threads}, \"batch\": {batch}, \"seconds\": {clock.Elapsed.TotalSeconds:F3}, \"seq_per_s\": {steps * batch / clock.Elapsed.TotalSeconds:F1}}}"));
    return;
}

for (var i = 0; i < warmup; i++) Step(i);
var watch = Stopwatch.StartNew();
for (var i = 0; i < steps; i++) Step(warmup + i);
watch.Stop();
var perSecond = steps * batch / watch.Elapsed.TotalSeconds;
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"{{\"impl\": \"csharp\", \"threads\": {threads}, \"steps\": {steps}, \"seconds\": {watch.Elapsed.TotalSeconds:F3}, \"seq_per_s\": {perSecond:F1}}}"));
