// Runs RBP-ADDA's three stages in several variants on the synthetic in-vitro / in-vivo pair (the data `rbp synth`
// writes, generated in process at --scale) and on the HNRNPC fixture (../shared/data/rbp-adda; skipped with a message
// when absent), and prints one Markdown table per data set: held-out Pearson of the source and the target domain after
// stages 1, 2 and 3, D's and a fresh probe's held-out domain accuracy before and after stage 2, and the final target
// Pearson against the same run's "without ADDA" baseline (difference, and ratio when the baseline is positive).
// With --only gap it runs GapBenchmark instead: source-only / RBP-ADDA / target oracle per seed on the shifted pair
// (DomainShiftGenerator.GenerateShifted at --shift-scale) and on the HNRNPC fixture, --seeds seeds from --seed.
// Usage: Program [--shared DIR] [--scale X] [--threads N] [--seed N] [--only synthetic|hnrnpc|gap]
//                [--seeds N] [--shift-scale X] [--no-ablations] [--gap-data shifted|hnrnpc|both]      (gap)
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

if (only == "gap")
{
    var seeds = Enumerable.Range(0, Int("--seeds", 5)).Select(i => seed + (ulong)i).ToArray();
    var shiftScale = double.Parse(Option("--shift-scale", "0.5"), CultureInfo.InvariantCulture);
    var ablations = !args.Contains("--no-ablations");
    var which = Option("--gap-data", "both");
    // Stage lengths from the usual options; every other setting is RbpAddaOptions' default.
    var gapOptions = new RbpAddaOptions
    {
        SourceEpochs = Int("--source-epochs", 6), AdversarialIterations = Int("--adversarial", 200), FineTuneIterations = Int("--fine-tune", 100),
        BatchSize = Int("--batch", 256), ProbeIterations = Int("--probe", 100), Threads = threads,
    };
    // Departures from the defaults, for the exploration runs BENCHMARKS.md records (each printed in the title).
    var departures = new List<string>();
    if (Option("--d-lr", "") is { Length: > 0 } dlr) { gapOptions = gapOptions with { DiscriminatorLearningRate = double.Parse(dlr, CultureInfo.InvariantCulture) }; departures.Add($"D lr {dlr}"); }
    if (Option("--mt-lr", "") is { Length: > 0 } mlr) { gapOptions = gapOptions with { TargetEncoderLearningRate = double.Parse(mlr, CultureInfo.InvariantCulture) }; departures.Add($"Mt lr {mlr}"); }
    if (Option("--loss", "") == "logistic") { gapOptions = gapOptions with { AdversarialLoss = AdversarialLoss.Logistic }; departures.Add("logistic GAN loss"); }
    if (Option("--warmup", "") is { Length: > 0 } wu) { gapOptions = gapOptions with { DiscriminatorWarmup = int.Parse(wu, CultureInfo.InvariantCulture) }; departures.Add($"D warm-up {wu}"); }
    if (Option("--beta1", "") is { Length: > 0 } b1) { gapOptions = gapOptions with { AdversarialBeta1 = double.Parse(b1, CultureInfo.InvariantCulture) }; departures.Add($"β1 {b1}"); }
    var settings = departures.Count == 0 ? "other options default" : "other options default except " + string.Join(", ", departures);
    if (which is "both" or "shifted")
    {
        RbpAddaData Shifted(ulong s)
        {
            var (vitro, vivo) = DomainShiftGenerator.GenerateShifted(s, shiftScale);
            static (List<RbpPipeline.Trainer.Data.SequenceRecord>, List<RbpPipeline.Trainer.Data.SequenceRecord>) Split(SyntheticDataset d)
            {
                var records = d.Records.ToList();
                var train = records.Count * 3 / 4;
                return (records[..train], records[train..]);
            }
            var (vt, ve) = Split(vitro);
            var (it, ie) = Split(vivo);
            return new RbpAddaData(vt, ve, it, ie);
        }
        var sample = Shifted(seed);
        GapBenchmark.Run($"Shifted pair (`DomainShiftGenerator.GenerateShifted(seed, {shiftScale.ToString(CultureInfo.InvariantCulture)})`, 3/4 train: " +
            $"{sample.InVitroTrain.Count} / {sample.InVitroTest.Count} in vitro, {sample.InVivoTrain.Count} / {sample.InVivoTest.Count} in vivo; " +
            $"{gapOptions.SourceEpochs} source epochs, {gapOptions.AdversarialIterations} adversarial and {gapOptions.FineTuneIterations} fine-tuning iterations, batch {gapOptions.BatchSize}, {settings})",
            Shifted, gapOptions, seeds, ablations);
    }
    var hnrnpcFolder = Path.Combine(shared, "rbp-adda");
    if (which is "both" or "hnrnpc" && File.Exists(Path.Combine(hnrnpcFolder, "train_HNRNPC.source.txt")))
    {
        var fixture = RbpAddaData.ReadFolder(hnrnpcFolder, "HNRNPC");
        var h = gapOptions with
        {
            SourceEpochs = Int("--hnrnpc-source-epochs", 20), AdversarialIterations = Int("--hnrnpc-adversarial", 200),
            FineTuneIterations = Int("--hnrnpc-fine-tune", 100), BatchSize = Int("--hnrnpc-batch", 64),
        };
        GapBenchmark.Run($"HNRNPC fixture ({fixture.InVitroTrain.Count} / {fixture.InVitroTest.Count} in vitro, {fixture.InVivoTrain.Count} / {fixture.InVivoTest.Count} in vivo; " +
            $"{h.SourceEpochs} source epochs, {h.AdversarialIterations} adversarial and {h.FineTuneIterations} fine-tuning iterations, batch {h.BatchSize}, {settings})",
            _ => fixture, h, seeds, ablations);
    }
    return;
}

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
