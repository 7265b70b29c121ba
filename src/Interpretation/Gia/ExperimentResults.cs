namespace RbpPipeline.Interpretation.Gia;

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

/// <summary>Patterns embedded at each of a list of positions: one positional bias curve per pattern.</summary>
public sealed class PositionalScanResult(IReadOnlyList<string> patterns, IReadOnlyList<int> positions, GiaResult result)
{
    public IReadOnlyList<string> Patterns { get; } = patterns;

    public IReadOnlyList<int> Positions { get; } = positions;

    /// <summary>Conditions pattern-major: pattern p at position index i is condition p × Positions.Count + i.</summary>
    public GiaResult Result { get; } = result;

    public ConditionImportance At(int pattern, int positionIndex) => Result.Conditions[pattern * Positions.Count + positionIndex];

    /// <summary>Global importance of pattern <paramref name="pattern"/> at each position of <see cref="Positions"/>.</summary>
    public double[] Curve(int pattern) => [.. Enumerable.Range(0, Positions.Count).Select(i => At(pattern, i).Mean)];
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

    /// <summary>Condition 0 is the pattern; then the variants, column by column, bases in ACGU order.</summary>
    public GiaResult Result { get; } = result;
}

/// <summary>One count of a multiple-sites experiment: copies 1..Copies embedded, against Copies × GI(one copy).</summary>
public sealed record MultipleSitesPoint(int Copies, ConditionImportance Observed, double Additive)
{
    /// <summary>Observed − additive expectation: positive for cooperative sites, negative for saturating ones.</summary>
    public double Excess => Observed.Mean - Additive;
}

public sealed class MultipleSitesResult(string pattern, IReadOnlyList<int> positions, IReadOnlyList<MultipleSitesPoint> points, GiaResult result)
{
    public string Pattern { get; } = pattern;

    public IReadOnlyList<int> Positions { get; } = positions;

    public IReadOnlyList<MultipleSitesPoint> Points { get; } = points;

    public GiaResult Result { get; } = result;
}

/// <summary>
/// One spacing of a spacing experiment: both patterns, the second alone at its position, and the interaction
/// GI(both) − GI(first alone) − GI(second alone).
/// </summary>
public sealed record SpacingPoint(int Spacing, int SecondPosition, ConditionImportance Both, ConditionImportance SecondAlone, double Interaction);

public sealed class SpacingResult(ConditionImportance firstAlone, IReadOnlyList<SpacingPoint> points, GiaResult result)
{
    public ConditionImportance FirstAlone { get; } = firstAlone;

    public IReadOnlyList<SpacingPoint> Points { get; } = points;

    /// <summary>Condition 0 is the first pattern alone; then per spacing the pair and the second alone.</summary>
    public GiaResult Result { get; } = result;
}

/// <summary>How the GC block of a context experiment is made.</summary>
public enum GcBlockStyle
{
    /// <summary>Each base G or C with probability ½, drawn once per experiment from <see cref="GiaOptions.Seed"/>.</summary>
    Random,

    /// <summary>GCGC…, starting with G.</summary>
    Alternating,
}

/// <summary>
/// A pattern with a GC block immediately 5′ or 3′ of it, against the pattern alone; the block alone on each side is
/// reported too, so the block's own effect can be separated from its effect on the pattern.
/// </summary>
public sealed class GcContextResult(string block, ConditionImportance patternAlone, ConditionImportance fivePrime,
    ConditionImportance fivePrimeBlockAlone, ConditionImportance threePrime, ConditionImportance threePrimeBlockAlone, GiaResult result)
{
    /// <summary>The block's bases (the same on both sides).</summary>
    public string Block { get; } = block;

    public ConditionImportance PatternAlone { get; } = patternAlone;

    public ConditionImportance FivePrime { get; } = fivePrime;

    public ConditionImportance FivePrimeBlockAlone { get; } = fivePrimeBlockAlone;

    public ConditionImportance ThreePrime { get; } = threePrime;

    public ConditionImportance ThreePrimeBlockAlone { get; } = threePrimeBlockAlone;

    public GiaResult Result { get; } = result;
}

/// <summary>
/// A pattern in the loop of a designed hairpin and in its 5′ stem arm, against the same pattern at the same two
/// positions without the hairpin; the hairpin alone is reported too.
/// </summary>
public sealed class HairpinContextResult(HairpinLayout layout, ConditionImportance inLoop, ConditionImportance inStem,
    ConditionImportance loopPositionUnstructured, ConditionImportance stemPositionUnstructured, ConditionImportance hairpinAlone, GiaResult result)
{
    public HairpinLayout Layout { get; } = layout;

    public ConditionImportance InLoop { get; } = inLoop;

    public ConditionImportance InStem { get; } = inStem;

    public ConditionImportance LoopPositionUnstructured { get; } = loopPositionUnstructured;

    public ConditionImportance StemPositionUnstructured { get; } = stemPositionUnstructured;

    public ConditionImportance HairpinAlone { get; } = hairpinAlone;

    public GiaResult Result { get; } = result;
}
