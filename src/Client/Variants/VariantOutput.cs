using System.Globalization;
using System.Text;

namespace RbpPipeline.Client.Variants;

/// <summary>Output file formats of variant scoring.</summary>
public enum VariantOutputFormat
{
    Tsv,
    Vcf,
}

/// <summary>One model as scored: name, version, output columns (tasks; "task/class" for multiclass) and its window length.</summary>
public sealed record ScoredModel(string Name, long Version, IReadOnlyList<string> Tasks, int Length);

/// <summary>The merged score of one variant for one model and task.</summary>
public readonly record struct VariantScore(ScoredModel Model, int Task, char Strand, double RefScore, double AltScore, double LogitDiff)
{
    public double Diff => AltScore - RefScore;
}

/// <summary>Formats the TSV and VCF outputs (header and one variant at a time).</summary>
public static class VariantOutput
{
    /// <summary>The TSV columns, in order (documented in docs/variant-scoring.md).</summary>
    public static readonly IReadOnlyList<string> TsvColumns =
        ["chrom", "pos", "id", "ref", "alt", "model", "version", "task", "strand", "ref_score", "alt_score", "diff", "logit_diff"];

    public const string InfoId = "RBP";

    public static VariantOutputFormat FormatOf(string path)
    {
        if (path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException($"{path}: compressed output is not supported (resume needs an appendable file); write .tsv or .vcf and compress afterwards");
        return path.EndsWith(".vcf", StringComparison.OrdinalIgnoreCase) ? VariantOutputFormat.Vcf : VariantOutputFormat.Tsv;
    }

    /// <summary>The header lines (without line ends).</summary>
    public static IReadOnlyList<string> Header(VariantOutputFormat format, IReadOnlyList<string> vcfHeader, IReadOnlyList<ScoredModel> models)
    {
        if (format == VariantOutputFormat.Tsv) return [string.Join('\t', TsvColumns)];
        var lines = new List<string>();
        foreach (var line in vcfHeader)
        {
            if (line.StartsWith("#CHROM", StringComparison.Ordinal)) continue;
            if (line.StartsWith("##INFO=<ID=" + InfoId + ",", StringComparison.Ordinal) || line.StartsWith("##rbpModels=", StringComparison.Ordinal)) continue;
            lines.Add(line);
        }
        lines.Add($"##INFO=<ID={InfoId},Number=.,Type=String,Description=\"RbpPipeline variant effect: model|task|diff|logit_diff, diff = alt - ref in the model's output scale, logit_diff on the raw output; strand with the larger |diff|\">");
        lines.Add("##rbpModels=" + string.Join(',', models.Select(m => $"{m.Name}:{m.Version.ToString(CultureInfo.InvariantCulture)}")));
        lines.Add("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO");
        return lines;
    }

    /// <summary>Rows one variant produces (the same for every written variant, which resume relies on).</summary>
    public static int RowsPerVariant(VariantOutputFormat format, IReadOnlyList<ScoredModel> models) =>
        format == VariantOutputFormat.Vcf ? 1 : models.Sum(m => m.Tasks.Count);

    public static void Append(StringBuilder output, VariantOutputFormat format, Variant variant, IReadOnlyList<VariantScore> scores)
    {
        if (format == VariantOutputFormat.Tsv)
        {
            foreach (var s in scores)
            {
                output.Append(variant.Key).Append('\t').Append(s.Model.Name).Append('\t').Append(s.Model.Version.ToString(CultureInfo.InvariantCulture))
                    .Append('\t').Append(s.Model.Tasks[s.Task]).Append('\t').Append(s.Strand)
                    .Append('\t').Append(Number(s.RefScore)).Append('\t').Append(Number(s.AltScore))
                    .Append('\t').Append(Number(s.Diff)).Append('\t').Append(Number(s.LogitDiff)).Append('\n');
            }
            return;
        }
        var c = variant.Record.Line.Split('\t', 9);
        var info = new StringBuilder(InfoId).Append('=');
        for (var i = 0; i < scores.Count; i++)
        {
            var s = scores[i];
            if (i > 0) info.Append(',');
            info.Append(InfoText(s.Model.Name)).Append('|').Append(InfoText(s.Model.Tasks[s.Task])).Append('|')
                .Append(Number(s.Diff)).Append('|').Append(Number(s.LogitDiff));
        }
        var existing = c[7] == "." ? "" : string.Join(';', c[7].Split(';').Where(f => !f.StartsWith(InfoId + "=", StringComparison.Ordinal) && f != InfoId));
        output.Append(c[0]).Append('\t').Append(c[1]).Append('\t').Append(c[2]).Append('\t').Append(c[3]).Append('\t').Append(variant.Alt)
            .Append('\t').Append(c[5]).Append('\t').Append(c[6]).Append('\t')
            .Append(existing.Length == 0 ? info.ToString() : existing + ";" + info).Append('\n');
    }

    public static string Number(double value) => value.ToString("G9", CultureInfo.InvariantCulture);

    /// <summary>Characters that the INFO value syntax reserves are replaced by '_'.</summary>
    public static string InfoText(string text)
    {
        var chars = text.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
            if (chars[i] is '|' or ',' or ';' or '=' or ' ' or '\t') chars[i] = '_';
        return new string(chars);
    }

    /// <summary>Parses an RBP INFO value back: (model, task, diff, logit_diff) per entry.</summary>
    public static IReadOnlyList<(string Model, string Task, double Diff, double LogitDiff)> ParseInfo(string info)
    {
        var field = info.Split(';').FirstOrDefault(f => f.StartsWith(InfoId + "=", StringComparison.Ordinal));
        if (field is null) return [];
        return [.. field[(InfoId.Length + 1)..].Split(',').Select(e =>
        {
            var p = e.Split('|');
            if (p.Length != 4) throw new FormatException($"'{e}' is not model|task|diff|logit_diff");
            return (p[0], p[1], double.Parse(p[2], CultureInfo.InvariantCulture), double.Parse(p[3], CultureInfo.InvariantCulture));
        })];
    }
}
