namespace RbpPipeline.Interpretation.Gia;

/// <summary>The positional scan: patterns embedded at each of a list of positions, one positional bias curve per pattern.</summary>
public static class PositionalScan
{
    /// <summary>
    /// Each pattern at each position of <paramref name="positions"/> (default: every start where the longest
    /// pattern fits): positional bias curves.
    /// </summary>
    public static async Task<PositionalScanResult> PositionalScanAsync(this GlobalImportanceAnalysis analysis, IReadOnlyList<string> patterns,
        IReadOnlyList<int>? positions, CancellationToken cancellationToken)
    {
        if (patterns.Count == 0) throw new ArgumentException("no patterns to scan");
        var normalized = patterns.Select(Patterns.Normalize).ToArray();
        var length = analysis.Backgrounds.Length;
        var longest = normalized.Max(p => p.Length);
        if (longest > length)
            throw new ArgumentException($"pattern '{normalized.First(p => p.Length == longest)}' is longer than the model's sequence length {length}");
        IReadOnlyList<int> at = positions ?? [.. Enumerable.Range(0, length - longest + 1)];
        var table = analysis.NewConditions();
        var curves = new ConditionHandle[normalized.Length][];
        for (var p = 0; p < normalized.Length; p++)
        {
            var pattern = normalized[p];
            curves[p] = [.. at.Select(position =>
                table.Add($"{pattern}@{position}", pattern, position, null, analysis.Placement(pattern, position)))];
        }
        var result = await analysis.EvaluateAsync(table, analysis.Options.KeepLocalEffects, cancellationToken).ConfigureAwait(false);
        return new PositionalScanResult(normalized, at, curves, result);
    }

    /// <summary>The <paramref name="top"/> best k-mers of a scan, each across positions.</summary>
    public static Task<PositionalScanResult> PositionalScanAsync(this GlobalImportanceAnalysis analysis, KmerScanResult scan, int top,
        IReadOnlyList<int>? positions, CancellationToken cancellationToken) =>
        analysis.PositionalScanAsync([.. scan.Top(top).Select(t => t.Kmer)], positions, cancellationToken);
}

/// <summary>Patterns embedded at each of a list of positions: one positional bias curve per pattern.</summary>
/// <param name="curves">[pattern][position index]: the handle of each condition in <paramref name="result"/>.</param>
public sealed class PositionalScanResult(IReadOnlyList<string> patterns, IReadOnlyList<int> positions, ConditionHandle[][] curves, GiaResult result)
{
    private readonly ConditionHandle[][] _curves = curves;

    public IReadOnlyList<string> Patterns { get; } = patterns;

    public IReadOnlyList<int> Positions { get; } = positions;

    /// <summary>All conditions, pattern-major (each pattern across <see cref="Positions"/>, in order).</summary>
    public GiaResult Result { get; } = result;

    /// <summary>Pattern <paramref name="pattern"/> at <see cref="Positions"/>[<paramref name="positionIndex"/>].</summary>
    public ConditionImportance At(int pattern, int positionIndex) => Result[Handle(pattern, positionIndex)];

    /// <summary>The local effects of pattern <paramref name="pattern"/> at <see cref="Positions"/>[<paramref name="positionIndex"/>].</summary>
    public ReadOnlySpan<float> LocalEffects(int pattern, int positionIndex) => Result.LocalEffects(Handle(pattern, positionIndex));

    /// <summary>Global importance of pattern <paramref name="pattern"/> at each position of <see cref="Positions"/>.</summary>
    public double[] Curve(int pattern) => [.. _curves[pattern].Select(handle => Result[handle].Mean)];

    private ConditionHandle Handle(int pattern, int positionIndex)
    {
        if ((uint)pattern >= (uint)_curves.Length) throw new ArgumentOutOfRangeException(nameof(pattern), pattern, $"{_curves.Length} patterns");
        var curve = _curves[pattern];
        if ((uint)positionIndex >= (uint)curve.Length) throw new ArgumentOutOfRangeException(nameof(positionIndex), positionIndex, $"{curve.Length} positions");
        return curve[positionIndex];
    }
}
