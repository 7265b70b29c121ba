using RbpPipeline.Interpretation.Sequences;

namespace RbpPipeline.Interpretation.Gia;

/// <summary>The mutation scan: every single-nucleotide variant of a pattern, against the pattern.</summary>
public static class MutationScan
{
    /// <summary>Every single-nucleotide variant of <paramref name="pattern"/> at <paramref name="position"/>, relative to the pattern.</summary>
    public static async Task<MutationScanResult> MutationScanAsync(this GlobalImportanceAnalysis analysis, string pattern, int position,
        CancellationToken cancellationToken)
    {
        var (codes, text) = analysis.Checked(pattern, position);
        var placement = new CodedPlacement(codes, position);
        var table = analysis.NewConditions();
        var original = table.Add($"{text}@{position}", text, position, null, placement);
        // variants[b, j]: the pattern with base b at column j; null where b is the pattern's own base.
        var variants = new ConditionHandle?[4, codes.Length];
        for (var j = 0; j < codes.Length; j++)
            for (byte b = 0; b < 4; b++)
            {
                if (b == codes[j]) continue;
                var variant = (byte[])codes.Clone();
                variant[j] = b;
                var variantText = NucleotideCodes.ToString(variant);
                variants[b, j] = table.Add($"{variantText}@{position}", variantText, position, j, new CodedPlacement(variant, position));
            }
        // The paired differences need every local effect; a few × length conditions, so always affordable.
        var result = await analysis.EvaluateAsync(table, keepLocalEffects: true, cancellationToken).ConfigureAwait(false);
        var n = result.Backgrounds;
        var delta = new double[4][];
        var errors = new double[4][];
        var reference = result.LocalEffects(original);
        for (var b = 0; b < 4; b++)
        {
            delta[b] = new double[codes.Length];
            errors[b] = new double[codes.Length];
            for (var j = 0; j < codes.Length; j++)
            {
                if (variants[b, j] is not { } variant) continue;
                var effects = result.LocalEffects(variant);
                double sum = 0, squares = 0;
                for (var x = 0; x < n; x++)
                {
                    var d = (double)effects[x] - reference[x];
                    sum += d;
                    squares += d * d;
                }
                delta[b][j] = result[variant].Mean - result[original].Mean;
                errors[b][j] = GiaEngine.Summarize(sum, squares, n).StandardError;
            }
        }
        return new MutationScanResult(text, position, result[original], delta, errors,
            analysis.Options.KeepLocalEffects ? result : result.WithoutLocalEffects());
    }
}

/// <summary>
/// Every single-nucleotide variant of a pattern at its position: Delta[b][j] = GI(pattern with base b at j) −
/// GI(pattern), 0 where b is the pattern's own base (a column where the pattern has N gets all four variants).
/// StandardError is that of the paired per-background differences.
/// </summary>
public sealed class MutationScanResult(string pattern, int position, ConditionImportance patternImportance, double[][] delta,
    double[][] standardError, GiaResult result)
{
    public string Pattern { get; } = pattern;

    public int Position { get; } = position;

    public ConditionImportance PatternImportance { get; } = patternImportance;

    /// <summary>[4][pattern length], rows A, C, G, U: usable as a logo of how much each substitution costs.</summary>
    public double[][] Delta { get; } = delta;

    public double[][] StandardError { get; } = standardError;

    /// <summary>All conditions: the pattern first, then the variants column by column, bases in ACGU order.</summary>
    public GiaResult Result { get; } = result;
}
