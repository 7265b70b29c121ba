using System.Globalization;
using RbpPipeline.Trainer.Data;
using RbpPipeline.Trainer.Metrics;

namespace RbpPipeline.Bench.Trainer;

/// <summary>
/// The table of the served CLIP benchmark (run.sh with PRESET): for each experiment, the test AUROC of the
/// predictions that `rbp predict` received over gRPC from the published ONNX model (a TSV in the FASTA's order),
/// against the labels of the test FASTA, beside the published figures and the CPU minutes (user + sys) of its
/// `rbp train` process.
/// Usage: served &lt;out-dir&gt; &lt;clip-ideeps-dir&gt; &lt;model-prefix[,prefix...]&gt; experiment...
/// Reads &lt;out&gt;/&lt;prefix&gt;-&lt;experiment&gt;.test.tsv and .cpu ("user sys" seconds); with several prefixes (seeds) it
/// adds the AUROC of the mean served logit, which is what an ensemble graph of these members serves (its output is
/// the mean of the member logits, docs/exporter.md). AUROC is a ranking measure: the logit ranks as the probability.
/// </summary>
public static class ServedEvaluation
{
    /// <summary>DeepRKE's supplementary table RBP-31 (../shared/data/README.md): iDeepS, DeepBind, GraphProt, DeepRKE.</summary>
    private static readonly Dictionary<string, double[]> Published = new()
    {
        ["23_PARCLIP_PUM2_hg19"] = [0.962, 0.950, 0.914, 0.960],
        ["24_PARCLIP_QKI_hg19"] = [0.966, 0.962, 0.932, 0.964],
        ["17_ICLIP_HNRNPC_hg19"] = [0.975, 0.973, 0.953, 0.976],
        ["2_PARCLIP_AGO2MNASE_hg19"] = [0.591, 0.595, 0.595, 0.621],
        ["15_PARCLIP_IGF2BP123_hg19"] = [0.717, 0.702, 0.697, 0.733],
        ["18_ICLIP_hnRNPL_Hela"] = [0.756, 0.771, 0.698, 0.785],
        ["21_PARCLIP_MOV10_Sievers_hg19"] = [0.813, 0.804, 0.803, 0.828],
    };

    public static int Run(string[] args)
    {
        var output = args[1];
        var clip = args[2];
        var prefixes = args[3].Split(',');
        var experiments = args[4..];
        var several = prefixes.Length > 1;
        Console.WriteLine($"| experiment | {string.Join(" | ", prefixes.Select(p => $"{p} test AUROC"))}{(several ? $" | mean of the {prefixes.Length} (served logits)" : "")} | iDeepS | DeepBind | GraphProt | DeepRKE | ours − best published | CPU min (user+sys, all seeds) |");
        Console.WriteLine($"|---|{string.Concat(Enumerable.Repeat("---:|", prefixes.Length + (several ? 1 : 0)))}---:|---:|---:|---:|---:|---:|");
        var rows = new List<(double[] Members, double Ours, double[] Published, double Minutes)>();
        foreach (var experiment in experiments)
        {
            var labels = FastaReader.Read(Path.Combine(clip, experiment, "test.fa.gz")).Select(r => r.Labels[0]).ToArray();
            var members = new List<double>();
            var sum = new double[labels.Length];
            var minutes = 0.0;
            foreach (var prefix in prefixes)
            {
                var logits = ReadLogits(Path.Combine(output, $"{prefix}-{experiment}.test.tsv"));
                if (logits.Length != labels.Length)
                    throw new InvalidDataException($"{prefix}-{experiment}: {logits.Length} served predictions for {labels.Length} test sequences");
                members.Add(ClassificationMetrics.AreaUnderRoc(labels, logits));
                for (var i = 0; i < sum.Length; i++) sum[i] += logits[i];
                var cpuFile = Path.Combine(output, $"{prefix}-{experiment}.cpu");
                minutes += File.Exists(cpuFile) ? File.ReadAllText(cpuFile).Split(' ', StringSplitOptions.RemoveEmptyEntries).Sum(v => double.Parse(v, CultureInfo.InvariantCulture)) / 60 : double.NaN;
            }
            var ours = several ? ClassificationMetrics.AreaUnderRoc(labels, sum) : members[0];
            // An experiment outside the table (e.g. synthetic data) gets NaN published figures.
            var figures = Published.FirstOrDefault(p => experiment.StartsWith(p.Key, StringComparison.Ordinal)).Value ?? [double.NaN, double.NaN, double.NaN, double.NaN];
            rows.Add(([.. members], ours, figures, minutes));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {Short(experiment)} | {string.Join(" | ", members.Select(m => m.ToString("F3", CultureInfo.InvariantCulture)))}{(several ? $" | {ours:F3}" : "")} | {figures[0]:F3} | {figures[1]:F3} | {figures[2]:F3} | {figures[3]:F3} | {Math.Round(ours - figures.Max(), 3):+0.000;-0.000;0.000} | {minutes:F1} |"));
        }
        string Mean(Func<(double[] Members, double Ours, double[] Published, double Minutes), double> pick) => rows.Average(pick).ToString("F3", CultureInfo.InvariantCulture);
        Console.WriteLine($"| mean of {rows.Count} | {string.Join(" | ", prefixes.Select((_, k) => Mean(r => r.Members[k])))}{(several ? $" | {Mean(r => r.Ours)}" : "")} | " +
            $"{Mean(r => r.Published[0])} | {Mean(r => r.Published[1])} | {Mean(r => r.Published[2])} | {Mean(r => r.Published[3])} | {Math.Round(rows.Average(r => r.Ours - r.Published.Max()), 3).ToString("+0.000;-0.000;0.000", CultureInfo.InvariantCulture)} | {rows.Average(r => r.Minutes).ToString("F1", CultureInfo.InvariantCulture)} |");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{prefixes[0]}-{experiments[0]}: ClassificationMetrics.AreaUnderRoc = {rows[0].Members[0]:F6} (compare with the sklearn check below)"));
        return 0;
    }

    private static string Short(string experiment) => experiment.Length > 32 ? experiment[..32] + "…" : experiment;

    /// <summary>
    /// The logits of `rbp predict`'s TSV: its `<task>_probability` column mapped back through the logit (the TSV's
    /// `<task>` column is the prediction on the data's scale, which for a binary task is the probability as well).
    /// </summary>
    // A float32 probability of exactly 0 or 1 (|logit| above about 17) has no finite logit; such rows keep ±16.1.
    private const double Saturated = 1e-7;

    private static double[] ReadLogits(string tsv)
    {
        var lines = File.ReadAllLines(tsv);
        var column = Array.FindIndex(lines[0].Split('\t'), h => h.EndsWith("_probability", StringComparison.Ordinal));
        if (column < 0) throw new InvalidDataException($"{tsv}: no '<task>_probability' column in the header '{lines[0]}'");
        return [.. lines.Skip(1).Where(l => l.Length > 0).Select(l => double.Parse(l.Split('\t')[column], CultureInfo.InvariantCulture))
            .Select(p => Math.Clamp(p, Saturated, 1 - Saturated)).Select(p => Math.Log(p / (1 - p)))];
    }
}
