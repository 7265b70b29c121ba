using RbpPipeline.Interpretation.Sequences;

namespace RbpPipeline.Interpretation.Gia;

/// <summary>The k-mer scan: every k-mer embedded at one position, ranked by global importance.</summary>
public static class KmerScan
{
    /// <summary>The longest k of a k-mer scan: 4^6 = 4,096 conditions.</summary>
    public const int MaxK = 6;

    /// <summary>
    /// Every k-mer (k ≤ <see cref="MaxK"/>) embedded at <paramref name="position"/>, ranked by global importance.
    /// 4^k × backgrounds rows; conditions are built from base-4 indices, so no per-row string work is done.
    /// </summary>
    public static async Task<KmerScanResult> KmerScanAsync(this GlobalImportanceAnalysis analysis, int k, int position,
        CancellationToken cancellationToken)
    {
        if (k is < 1 or > MaxK) throw new ArgumentOutOfRangeException(nameof(k), $"k = {k}; k-mer scans take 1 ≤ k ≤ {MaxK}");
        Patterns.CheckFits($"{k}-mers", k, position, analysis.Backgrounds.Length);
        var table = analysis.NewConditions();
        var kmer = new byte[k]; // the table copies the codes, so one buffer serves every k-mer
        for (var index = 0; index < 1 << (2 * k); index++)
        {
            for (var j = 0; j < k; j++) kmer[j] = (byte)((index >> (2 * (k - 1 - j))) & 3);
            var text = NucleotideCodes.ToString(kmer);
            table.Add($"{text}@{position}", text, position, null, new CodedPlacement(kmer, position));
        }
        var result = await analysis.EvaluateAsync(table, analysis.Options.KeepLocalEffects, cancellationToken).ConfigureAwait(false);
        // Best first; ties keep lexicographic order so rankings are reproducible. Each condition carries its k-mer.
        var order = Enumerable.Range(0, result.Conditions.Count).OrderByDescending(i => result.Conditions[i].Mean).ToArray();
        return new KmerScanResult(k, position, result.Reordered(order));
    }
}

/// <summary>All 4^k k-mers embedded at one position, ranked by global importance (best first).</summary>
public sealed class KmerScanResult(int k, int position, GiaResult result)
{
    public int K { get; } = k;

    public int Position { get; } = position;

    /// <summary>One condition per k-mer (Pattern = the k-mer), best first; local effects, when kept, in the same order.</summary>
    public GiaResult Result { get; } = result;

    public IReadOnlyList<ConditionImportance> Ranked => Result.Conditions;

    /// <summary>The <paramref name="count"/> best k-mers with their global importances.</summary>
    public IReadOnlyList<(string Kmer, double Importance)> Top(int count) =>
        [.. Ranked.Take(count).Select(c => (c.Pattern!, c.Mean))];
}
