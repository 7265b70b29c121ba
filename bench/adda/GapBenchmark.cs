// The "three numbers" benchmark of RBP-ADDA (issue 17): per seed, the target-domain held-out Pearson of
// source-only (Ms + T after stage 1), RBP-ADDA (Mt + T after stage 3) and a target oracle (the same network trained
// on the labelled target training data alone), plus two ablations that say where a gain comes from: stage 3 alone
// (stage 2 skipped), Mt trained on the target labels without the GAN term (adversarial_weight 0) and the label-free
// adversarial objective (target_supervision false). Prints one Markdown table
// with a row per seed and mean ± sd rows, and the share of the source-only → oracle gap that RBP-ADDA recovers.
using System.Diagnostics;
using System.Globalization;
using RbpPipeline.Trainer.Adaptation;

internal static class GapBenchmark
{
    private sealed record Row(ulong Seed, double SourceOnly, double Adda, double Oracle, double StageThreeOnly, double SupervisedOnly, double LabelFree,
        string DAccuracy, string Probe, int Collapses, int LabelFreeCollapses, double Seconds);

    public static void Run(string title, Func<ulong, RbpAddaData> data, RbpAddaOptions options, IReadOnlyList<ulong> seeds, bool ablations)
    {
        var rows = new List<Row>();
        foreach (var seed in seeds)
        {
            var clock = Stopwatch.StartNew();
            var pair = data(seed);
            var o = options with { Seed = seed };
            Console.Error.WriteLine($"bench/adda gap: {title}, seed {seed}");
            var (adda, collapses, d, probe) = Train(pair, o, "adda");
            var sourceOnly = adda.Stages[0].TargetPearson;
            var final = adda.Final.TargetPearson;
            adda.Dispose();

            // The oracle: in vivo as the source domain, stage 1 only, with about as many optimiser steps as the
            // source model had (epochs scaled by the size ratio), so it is not starved by the smaller set.
            var ratio = Math.Max(1, (int)Math.Round((double)pair.InVitroTrain.Count / Math.Max(1, pair.InVivoTrain.Count)));
            var (oracleRun, _, _, _) = Train(pair, o with { Reversed = true, SkipAdaptation = true, FineTuneIterations = 0, SourceEpochs = o.SourceEpochs * ratio }, "oracle");
            var oracle = oracleRun.Stages[0].SourcePearson;
            oracleRun.Dispose();

            double stageThree = double.NaN, supervisedOnly = double.NaN, labelFree = double.NaN;
            var labelFreeCollapses = 0;
            if (ablations)
            {
                var (skip, _, _, _) = Train(pair, o with { SkipAdaptation = true }, "stage 3 only");
                stageThree = skip.Final.TargetPearson;
                skip.Dispose();
                var (sup, _, _, _) = Train(pair, o with { AdversarialWeight = 0 }, "supervised only");
                supervisedOnly = sup.Final.TargetPearson;
                sup.Dispose();
                var (free, c, _, _) = Train(pair, o with { TargetSupervision = false }, "label-free");
                labelFree = free.Final.TargetPearson;
                labelFreeCollapses = c;
                free.Dispose();
            }
            rows.Add(new Row(seed, sourceOnly, final, oracle, stageThree, supervisedOnly, labelFree, d, probe, collapses, labelFreeCollapses, clock.Elapsed.TotalSeconds));
        }

        static string F(double v) => double.IsFinite(v) ? v.ToString("F3", CultureInfo.InvariantCulture) : "—";
        static string MeanSd(IEnumerable<double> values)
        {
            var v = values.Where(double.IsFinite).ToArray();
            if (v.Length == 0) return "—";
            var mean = v.Average();
            var sd = v.Length > 1 ? Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / (v.Length - 1)) : 0;
            return string.Create(CultureInfo.InvariantCulture, $"{mean:F3} ± {sd:F3}");
        }
        static double Recovered(double src, double adda, double oracle) => oracle - src is var gap && Math.Abs(gap) > 1e-9 ? (adda - src) / gap : double.NaN;

        Console.WriteLine();
        Console.WriteLine($"### {title}");
        Console.WriteLine();
        Console.WriteLine("| seed | source-only | RBP-ADDA | target oracle | gap recovered | stage 3 only (no stage 2) | Mt supervised only (no GAN term) | label-free ADDA | D held-out before → after | probe before → after | collapse warnings (default / label-free) | s |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---|---|---|---:|");
        foreach (var r in rows)
            Console.WriteLine($"| {r.Seed} | {F(r.SourceOnly)} | {F(r.Adda)} | {F(r.Oracle)} | {Percent(Recovered(r.SourceOnly, r.Adda, r.Oracle))} | {F(r.StageThreeOnly)} | {F(r.SupervisedOnly)} | {F(r.LabelFree)} | {r.DAccuracy} | {r.Probe} | {r.Collapses} / {(ablations ? r.LabelFreeCollapses.ToString(CultureInfo.InvariantCulture) : "—")} | {r.Seconds:F0} |");
        var meanRecovered = Recovered(rows.Average(r => r.SourceOnly), rows.Average(r => r.Adda), rows.Average(r => r.Oracle));
        Console.WriteLine($"| **mean ± sd** | **{MeanSd(rows.Select(r => r.SourceOnly))}** | **{MeanSd(rows.Select(r => r.Adda))}** | **{MeanSd(rows.Select(r => r.Oracle))}** | **{Percent(meanRecovered)}** (of the means) | {MeanSd(rows.Select(r => r.StageThreeOnly))} | {MeanSd(rows.Select(r => r.SupervisedOnly))} | {MeanSd(rows.Select(r => r.LabelFree))} | | | | {rows.Sum(r => r.Seconds):F0} |");
        Console.WriteLine();
        Console.WriteLine($"RBP-ADDA above source-only in {rows.Count(r => r.Adda > r.SourceOnly)} of {rows.Count} seeds; gap recovered (mean of the three means): {Percent(meanRecovered)}.");
    }

    private static string Percent(double v) => double.IsFinite(v) ? (100 * v).ToString("F0", CultureInfo.InvariantCulture) + " %" : "n/a";

    private static (RbpAddaResult Result, int Collapses, string D, string Probe) Train(RbpAddaData data, RbpAddaOptions options, string name)
    {
        var collapses = 0;
        var result = RbpAddaTrainer.Train(data, options, line =>
        {
            if (line.Contains("WARNING: collapse", StringComparison.Ordinal)) collapses++;
            Console.Error.WriteLine($"  [{name} seed {options.Seed}] {line}");
        });
        var f = result.Adaptation;
        static string F(double? v) => v is { } x ? x.ToString("F2", CultureInfo.InvariantCulture) : "—";
        return (result, collapses, $"{F(f.DiscriminatorBefore)} → {F(f.DiscriminatorAfter)}", $"{F(f.ProbeBefore)} → {F(f.ProbeAfter)}");
    }
}
