using System.Globalization;
using RbpPipeline.Trainer.Data;
using RbpPipeline.Trainer.Metrics;

namespace RbpPipeline.Bench.Trainer;

/// <summary>
/// The table of the served CLIP benchmark (run.sh with PRESET): for each experiment, the test AUROC of the
/// probabilities that `rbp predict` received over gRPC from the published ONNX model (a TSV in the FASTA's order),
/// against the labels of the test FASTA, beside the published figures and the CPU minutes (user + sys) of its
/// `rbp train` process.
/// Usage: served &lt;out-dir&gt; &lt;clip-ideeps-dir&gt; &lt;model-prefix&gt; experiment...
/// Reads &lt;out&gt;/&lt;prefix&gt;-&lt;experiment&gt;.test.tsv and .cpu ("user sys" seconds).
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
        var prefix = args[3];
        var experiments = args[4..];
        Console.WriteLine("| experiment | test AUROC (served) | iDeepS | DeepBind | GraphProt | DeepRKE | best published − ours | CPU min (user+sys) |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        var ours = new List<double>();
        var published = new List<double[]>();
        var minutes = new List<double>();
        foreach (var experiment in experiments)
        {
            var labels = FastaReader.Read(Path.Combine(clip, experiment, "test.fa.gz")).Select(r => r.Labels[0]).ToArray();
            var probabilities = ReadProbabilities(Path.Combine(output, $"{prefix}-{experiment}.test.tsv"));
            if (probabilities.Length != labels.Length)
                throw new InvalidDataException($"{experiment}: {probabilities.Length} served predictions for {labels.Length} test sequences");
            var auroc = ClassificationMetrics.AreaUnderRoc(labels, probabilities);
            var cpuFile = Path.Combine(output, $"{prefix}-{experiment}.cpu");
            var cpu = File.Exists(cpuFile) ? File.ReadAllText(cpuFile).Split(' ', StringSplitOptions.RemoveEmptyEntries).Sum(v => double.Parse(v, CultureInfo.InvariantCulture)) / 60 : double.NaN;
            var figures = Published.First(p => experiment.StartsWith(p.Key, StringComparison.Ordinal)).Value;
            ours.Add(auroc);
            published.Add(figures);
            minutes.Add(cpu);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {Short(experiment)} | {auroc:F3} | {figures[0]:F3} | {figures[1]:F3} | {figures[2]:F3} | {figures[3]:F3} | {figures.Max() - auroc:+0.000;-0.000} | {cpu:F1} |"));
        }
        double Mean(Func<double[], double> pick) => published.Average(pick);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| mean of {ours.Count} | {ours.Average():F3} | {Mean(f => f[0]):F3} | {Mean(f => f[1]):F3} | {Mean(f => f[2]):F3} | {Mean(f => f[3]):F3} | | {minutes.Average():F1} |"));
        return 0;
    }

    private static string Short(string experiment) => experiment.Length > 32 ? experiment[..32] + "…" : experiment;

    /// <summary>The `<task>_probability` column of `rbp predict`'s TSV (id, logit, probability per task).</summary>
    private static double[] ReadProbabilities(string tsv)
    {
        var lines = File.ReadAllLines(tsv);
        var header = lines[0].Split('\t');
        var column = Array.FindIndex(header, h => h.EndsWith("_probability", StringComparison.Ordinal));
        if (column < 0) throw new InvalidDataException($"{tsv}: no '<task>_probability' column in the header '{lines[0]}'");
        return [.. lines.Skip(1).Where(l => l.Length > 0).Select(l => double.Parse(l.Split('\t')[column], CultureInfo.InvariantCulture))];
    }
}
