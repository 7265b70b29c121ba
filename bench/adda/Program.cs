// Runs RBP-ADDA's three stages in several variants on the synthetic in-vitro / in-vivo pair (the data `rbp synth`
// writes, generated in process at --scale) and on the HNRNPC fixture (../shared/data/rbp-adda; skipped with a message
// when absent), and prints one Markdown table per data set: held-out Pearson of the source and the target domain after
// stages 1, 2 and 3, D's and a fresh probe's held-out domain accuracy before and after stage 2, and the final target
// Pearson against the same run's "without ADDA" baseline (difference, and ratio when the baseline is positive).
// Usage: Program [--shared DIR] [--scale X] [--threads N] [--seed N] [--only synthetic|hnrnpc]
//                [--source-epochs N] [--adversarial N] [--fine-tune N] [--batch N]          (synthetic pair)
//                [--hnrnpc-source-epochs N] [--hnrnpc-adversarial N] [--hnrnpc-fine-tune N] [--hnrnpc-batch N]
using System.Diagnostics;
using System.Globalization;
using RbpPipeline.Trainer.Adaptation;
using RbpPipeline.Trainer.Augmentation;
using RbpPipeline.Trainer.Synthetic;

string Option(string name, string fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
}
int Int(string name, int fallback) => int.Parse(Option(name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
var shared = Option("--shared", Path.Combine("..", "shared", "data"));
var scale = double.Parse(Option("--scale", "0.3"), CultureInfo.InvariantCulture);
var threads = Int("--threads", 1);
var seed = (ulong)Int("--seed", 1);
var only = Option("--only", "");

var synthetic = new RbpAddaOptions
{
    SourceEpochs = Int("--source-epochs", 6), AdversarialIterations = Int("--adversarial", 300), FineTuneIterations = Int("--fine-tune", 100),
    BatchSize = Int("--batch", 256), ProbeIterations = 100, Seed = seed, Threads = threads,
};
var hnrnpc = new RbpAddaOptions
{
    SourceEpochs = Int("--hnrnpc-source-epochs", 20), AdversarialIterations = Int("--hnrnpc-adversarial", 200), FineTuneIterations = Int("--hnrnpc-fine-tune", 100),
    BatchSize = Int("--hnrnpc-batch", 64), ProbeIterations = 100, Seed = seed, Threads = threads,
};

// The variants: the baseline (without ADDA) first, so that every other row can be compared with it.
static IReadOnlyList<(string Name, RbpAddaOptions Options)> Variants(RbpAddaOptions o) =>
[
    ("without ADDA (ablation, baseline)", o with { SkipAdaptation = true }),
    ("with ADDA, paper rates (D 5e-5, Mt 1e-3)", o),
    ("with ADDA, D 5e-4 / Mt 1e-4", o with { DiscriminatorLearningRate = 5e-4, TargetEncoderLearningRate = 1e-4 }),
    ("with ADDA (paper rates) + replacement", o with { Augmentation = Augment(AugmentationKind.Replacement, o.Seed) }),
    ("with ADDA (paper rates) + swap", o with { Augmentation = Augment(AugmentationKind.Swap, o.Seed) }),
    ("with ADDA (paper rates) + gap", o with { Augmentation = Augment(AugmentationKind.Gap, o.Seed) }),
];

static AugmentationOptions Augment(AugmentationKind kind, ulong seed) => new() { Kind = kind, PositionsPerSequence = 1, Fraction = 1.0, Seed = seed };

static string F(double v) => double.IsFinite(v) ? v.ToString("F3", CultureInfo.InvariantCulture) : "n/a";

void Bench(string title, RbpAddaData data, RbpAddaOptions options)
{
    Console.Error.WriteLine($"bench/adda: {title}");
    var rows = new List<string>();
    double? baseline = null;
    foreach (var (name, variant) in Variants(options))
    {
        var clock = Stopwatch.StartNew();
        using var result = RbpAddaTrainer.Train(data, variant, line => Console.Error.WriteLine($"  [{name}] {line}"));
        clock.Stop();
        var stage = result.Stages.ToDictionary(s => s.Stage);
        string Cell(string s) => stage.TryGetValue(s, out var m) ? $"{F(m.SourcePearson)} / {F(m.TargetPearson)}" : "— (skipped)";
        var target = result.Final.TargetPearson;
        baseline ??= target;
        // A ratio to a baseline at or below 0 would rank a worse figure higher: the difference is given for every row.
        var delta = (target - baseline.Value).ToString("+0.000;−0.000;0.000", CultureInfo.InvariantCulture);
        var ratio = baseline is { } b && b > 0 ? (target / b).ToString("F2", CultureInfo.InvariantCulture) : "n/a";
        var f = result.Adaptation;
        var d = f.DiscriminatorBefore is { } before ? $"{F(before)} → {F(f.DiscriminatorAfter!.Value)}" : "—";
        var probe = f.ProbeBefore is { } pb ? $"{F(pb)} → {F(f.ProbeAfter!.Value)}" : "—";
        rows.Add($"| {name} | {Cell("pretrain")} | {Cell("adapt")} | {Cell("finetune")} | {d} | {probe} | {F(target)} | {delta} | {ratio} | {clock.Elapsed.TotalSeconds:F0} |");
    }
    Console.WriteLine();
    Console.WriteLine($"### {title}");
    Console.WriteLine();
    Console.WriteLine("| run | after stage 1 (source / target) | after stage 2 | after stage 3 | D held-out accuracy before → after | fresh probe before → after | final target Pearson | Δ vs without ADDA | × without ADDA | s |");
    Console.WriteLine("|---|---|---|---|---|---|---:|---:|---:|---:|");
    foreach (var row in rows) Console.WriteLine(row);
}

string Describe(RbpAddaOptions o) => string.Create(CultureInfo.InvariantCulture,
    $"{o.SourceEpochs} source epochs, {o.DiscriminatorWarmup} + {o.AdversarialIterations} adversarial and {o.FineTuneIterations} fine-tuning iterations, batch {o.BatchSize}, seed {o.Seed}, {threads} thread(s)");

if (only is "" or "synthetic")
{
    var sets = DefaultDataSets.Generate(seed, scale);
    var data = new RbpAddaData([.. sets.InVitroTrain.Records], [.. sets.InVitroTest.Records], [.. sets.InVivoTrain.Records], [.. sets.InVivoTest.Records]);
    Bench($"Synthetic pair (`rbp synth --seed {seed} --scale {scale.ToString(CultureInfo.InvariantCulture)}`: {data.InVitroTrain.Count} / {data.InVitroTest.Count} in vitro, " +
          $"{data.InVivoTrain.Count} / {data.InVivoTest.Count} in vivo peaks; {Describe(synthetic)})", data, synthetic);
}
if (only is "" or "hnrnpc")
{
    var folder = Path.Combine(shared, "rbp-adda");
    if (!File.Exists(Path.Combine(folder, "train_HNRNPC.source.txt")))
    {
        Console.WriteLine();
        Console.WriteLine($"HNRNPC fixture skipped: {Path.GetFullPath(folder)} does not hold train_HNRNPC.source.txt (../shared/data is on the project's machines only)");
    }
    else
    {
        var data = RbpAddaData.ReadFolder(folder, "HNRNPC");
        Bench($"HNRNPC fixture ({data.InVitroTrain.Count} / {data.InVitroTest.Count} in vitro, {data.InVivoTrain.Count} / {data.InVivoTest.Count} in vivo; {Describe(hnrnpc)})", data, hnrnpc);
    }
}
