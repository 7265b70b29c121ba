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

    /// <summary>IG-score on <see cref="Strand"/> (<c>--ig-score</c>); null when not computed.</summary>
    public double? IgScore { get; init; }

    /// <summary>ISM logo height at the variant's first REF base (<c>--ism</c>); null when not computed or not defined.</summary>
    public double? IsmNorm { get; init; }

    /// <summary>ISM raw-output change of the ALT base (<c>--ism</c>, SNVs only); null otherwise.</summary>
    public double? IsmAlt { get; init; }
}

/// <summary>Formats the TSV and VCF outputs (header and one variant at a time).</summary>
public static class VariantOutput
{
    /// <summary>The TSV columns, in order (documented in docs/variant-scoring.md).</summary>
    public static readonly IReadOnlyList<string> TsvColumns =
        ["chrom", "pos", "id", "ref", "alt", "model", "version", "task", "strand", "ref_score", "alt_score", "diff", "logit_diff"];

    /// <summary>Column added by <c>--ig-score</c>.</summary>
    public const string IgScoreColumn = "ig_score";

    /// <summary>Columns added by <c>--ism</c>.</summary>
    public const string IsmNormColumn = "ism_norm";

    public const string IsmAltColumn = "ism_alt";

    /// <summary>What a TSV cell holds when an enabled value is not defined for a row (e.g. <c>ism_alt</c> of an indel).</summary>
    public const string MissingTsv = "NA";

    public const string InfoId = "RBP";

    /// <summary>VCF INFO fields of the interpretation values: one Float per RBP entry, in the same order ('.' when not defined).</summary>
    public const string IgInfoId = "RBP_IG";

    public const string IsmNormInfoId = "RBP_ISM_NORM";

    public const string IsmAltInfoId = "RBP_ISM_ALT";

    /// <summary>Header line that records the interpretation settings of a VCF output (so resume sees a change).</summary>
    public const string InterpretationHeader = "##rbpInterpretation=";

    private static readonly string[] OwnInfoIds = [InfoId, IgInfoId, IsmNormInfoId, IsmAltInfoId];

    /// <summary>The TSV columns of a run: <see cref="TsvColumns"/>, then the enabled interpretation columns.</summary>
    public static IReadOnlyList<string> TsvColumnsFor(VariantInterpretation? interpretation)
    {
        var columns = new List<string>(TsvColumns);
        if (interpretation?.IgScore == true) columns.Add(IgScoreColumn);
        if (interpretation?.Ism == true) columns.AddRange([IsmNormColumn, IsmAltColumn]);
        return columns;
    }

    public static VariantOutputFormat FormatOf(string path)
    {
        if (path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException($"{path}: compressed output is not supported (resume needs an appendable file); write .tsv or .vcf and compress afterwards");
        return path.EndsWith(".vcf", StringComparison.OrdinalIgnoreCase) ? VariantOutputFormat.Vcf : VariantOutputFormat.Tsv;
    }

    /// <summary>The header lines (without line ends).</summary>
    public static IReadOnlyList<string> Header(VariantOutputFormat format, IReadOnlyList<string> vcfHeader, IReadOnlyList<ScoredModel> models,
        VariantInterpretation? interpretation = null)
    {
        if (format == VariantOutputFormat.Tsv) return [string.Join('\t', TsvColumnsFor(interpretation))];
        var lines = new List<string>();
        foreach (var line in vcfHeader)
        {
            if (line.StartsWith("#CHROM", StringComparison.Ordinal)) continue;
            // Our own lines of an earlier run (an output VCF scored again) are replaced, not duplicated.
            if (OwnInfoIds.Any(id => line.StartsWith("##INFO=<ID=" + id + ",", StringComparison.Ordinal))
                || line.StartsWith("##rbpModels=", StringComparison.Ordinal) || line.StartsWith(InterpretationHeader, StringComparison.Ordinal)) continue;
            lines.Add(line);
        }
        lines.Add($"##INFO=<ID={InfoId},Number=.,Type=String,Description=\"RbpPipeline variant effect: model|task|diff|logit_diff, diff = alt - ref in the model's output scale, logit_diff on the raw output; strand with the larger |diff|\">");
        if (interpretation?.IgScore == true)
            lines.Add($"##INFO=<ID={IgInfoId},Number=.,Type=Float,Description=\"RbpPipeline IG-score per RBP entry (same order): integrated-gradients attributions (raw output, zeros baseline) summed within {interpretation.IgWindow} positions of the allele, alt window minus ref window, on the entry's strand\">");
        if (interpretation?.Ism == true)
        {
            lines.Add($"##INFO=<ID={IsmNormInfoId},Number=.,Type=Float,Description=\"RbpPipeline ISM per RBP entry (same order): L2 norm of the raw-output changes of the substitutions at the first REF base of the ref window, on the entry's strand\">");
            lines.Add($"##INFO=<ID={IsmAltInfoId},Number=.,Type=Float,Description=\"RbpPipeline ISM per RBP entry (same order): raw-output change of substituting the ALT base in the ref window (SNVs; . otherwise)\">");
        }
        lines.Add("##rbpModels=" + string.Join(',', models.Select(m => $"{m.Name}:{m.Version.ToString(CultureInfo.InvariantCulture)}")));
        if (interpretation is { Any: true }) lines.Add(InterpretationHeader + interpretation.Describe());
        lines.Add("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO");
        return lines;
    }

    /// <summary>Rows one variant produces (the same for every written variant, which resume relies on).</summary>
    public static int RowsPerVariant(VariantOutputFormat format, IReadOnlyList<ScoredModel> models) =>
        format == VariantOutputFormat.Vcf ? 1 : models.Sum(m => m.Tasks.Count);

    public static void Append(StringBuilder output, VariantOutputFormat format, Variant variant, IReadOnlyList<VariantScore> scores,
        VariantInterpretation? interpretation = null)
    {
        var ig = interpretation?.IgScore == true;
        var ism = interpretation?.Ism == true;
        if (format == VariantOutputFormat.Tsv)
        {
            foreach (var s in scores)
            {
                output.Append(variant.Key).Append('\t').Append(s.Model.Name).Append('\t').Append(s.Model.Version.ToString(CultureInfo.InvariantCulture))
                    .Append('\t').Append(s.Model.Tasks[s.Task]).Append('\t').Append(s.Strand)
                    .Append('\t').Append(Number(s.RefScore)).Append('\t').Append(Number(s.AltScore))
                    .Append('\t').Append(Number(s.Diff)).Append('\t').Append(Number(s.LogitDiff));
                if (ig) output.Append('\t').Append(Optional(s.IgScore, MissingTsv));
                if (ism) output.Append('\t').Append(Optional(s.IsmNorm, MissingTsv)).Append('\t').Append(Optional(s.IsmAlt, MissingTsv));
                output.Append('\n');
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
        if (ig) AppendValues(info, IgInfoId, scores, s => s.IgScore);
        if (ism)
        {
            AppendValues(info, IsmNormInfoId, scores, s => s.IsmNorm);
            AppendValues(info, IsmAltInfoId, scores, s => s.IsmAlt);
        }
        var existing = c[7] == "." ? "" : string.Join(';', c[7].Split(';').Where(f => !OwnInfoIds.Any(id => f == id || f.StartsWith(id + "=", StringComparison.Ordinal))));
        output.Append(c[0]).Append('\t').Append(c[1]).Append('\t').Append(c[2]).Append('\t').Append(c[3]).Append('\t').Append(variant.Alt)
            .Append('\t').Append(c[5]).Append('\t').Append(c[6]).Append('\t')
            .Append(existing.Length == 0 ? info.ToString() : existing + ";" + info).Append('\n');
    }

    public static string Number(double value) => value.ToString("G9", CultureInfo.InvariantCulture);

    private static string Optional(double? value, string missing) => value is { } v ? Number(v) : missing;

    /// <summary>Appends ";ID=v1,v2,…", one value per score ('.' for an undefined one, as VCF writes missing values).</summary>
    private static void AppendValues(StringBuilder info, string id, IReadOnlyList<VariantScore> scores, Func<VariantScore, double?> value)
    {
        info.Append(';').Append(id).Append('=');
        for (var i = 0; i < scores.Count; i++)
        {
            if (i > 0) info.Append(',');
            info.Append(Optional(value(scores[i]), "."));
        }
    }

    /// <summary>Characters that the INFO value syntax reserves are replaced by '_'.</summary>
    public static string InfoText(string text)
    {
        var chars = text.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
            if (chars[i] is '|' or ',' or ';' or '=' or ' ' or '\t') chars[i] = '_';
        return new string(chars);
    }

    /// <summary>Parses a per-entry Float INFO field (<see cref="IgInfoId"/>, …) back: one value per RBP entry, null for '.'; empty when absent.</summary>
    public static IReadOnlyList<double?> ParseInfoValues(string info, string id)
    {
        var field = info.Split(';').FirstOrDefault(f => f.StartsWith(id + "=", StringComparison.Ordinal));
        if (field is null) return [];
        return [.. field[(id.Length + 1)..].Split(',').Select(v => v == "." ? (double?)null
            : double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d
            : throw new FormatException($"{id}: '{v}' is not a number or '.'"))];
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
