using RbpPipeline.Interpretation.Sequences;

namespace RbpPipeline.Interpretation.Gia;

/// <summary>How the GC block of a context experiment is made.</summary>
public enum GcBlockStyle
{
    /// <summary>Each base G or C with probability ½, drawn once per experiment from <see cref="GiaOptions.Seed"/>.</summary>
    Random,

    /// <summary>GCGC…, starting with G.</summary>
    Alternating,
}

/// <summary>The GC-context experiment: a pattern with a GC block immediately 5′ or 3′ of it.</summary>
public static class GcContext
{
    /// <summary>
    /// <paramref name="pattern"/> at <paramref name="position"/> alone, with a GC block of
    /// <paramref name="blockLength"/> immediately 5′ of it, and immediately 3′ of it; plus each block alone.
    /// </summary>
    public static async Task<GcContextResult> GcContextAsync(this GlobalImportanceAnalysis analysis, string pattern, int position, int blockLength,
        GcBlockStyle style, CancellationToken cancellationToken)
    {
        if (blockLength < 1) throw new ArgumentOutOfRangeException(nameof(blockLength), $"a GC block of length {blockLength}");
        var (codes, text) = analysis.Checked(pattern, position);
        var length = analysis.Backgrounds.Length;
        var random = new Random(analysis.Options.Seed);
        var block = new byte[blockLength];
        for (var i = 0; i < blockLength; i++)
            block[i] = style == GcBlockStyle.Alternating ? (i % 2 == 0 ? (byte)2 : (byte)1) : random.Next(2) == 0 ? (byte)2 : (byte)1;
        var blockText = NucleotideCodes.ToString(block);
        var fivePrime = position - blockLength;
        var threePrime = position + codes.Length;
        if (fivePrime < 0 || threePrime + blockLength > length)
            throw new ArgumentException(
                $"pattern '{text}' at position {position} with GC blocks of {blockLength} on both sides needs positions {fivePrime}..{threePrime + blockLength - 1}, outside the model's sequence length {length}");
        var motif = new CodedPlacement(codes, position);
        var blockFivePrime = new CodedPlacement(block, fivePrime);
        var blockThreePrime = new CodedPlacement(block, threePrime);
        var table = analysis.NewConditions();
        var alone = table.Add($"{text}@{position}", text, position, null, motif);
        var withFivePrime = table.Add($"{blockText}@{fivePrime} + {text}@{position}", text, position, null, blockFivePrime, motif);
        var fivePrimeBlockAlone = table.Add($"{blockText}@{fivePrime}", blockText, fivePrime, null, blockFivePrime);
        var withThreePrime = table.Add($"{text}@{position} + {blockText}@{threePrime}", text, position, null, motif, blockThreePrime);
        var threePrimeBlockAlone = table.Add($"{blockText}@{threePrime}", blockText, threePrime, null, blockThreePrime);
        var result = await analysis.EvaluateAsync(table, analysis.Options.KeepLocalEffects, cancellationToken).ConfigureAwait(false);
        return new GcContextResult(blockText, result)
        {
            PatternAlone = result[alone],
            FivePrime = result[withFivePrime],
            FivePrimeBlockAlone = result[fivePrimeBlockAlone],
            ThreePrime = result[withThreePrime],
            ThreePrimeBlockAlone = result[threePrimeBlockAlone],
        };
    }
}

/// <summary>
/// A pattern with a GC block immediately 5′ or 3′ of it, against the pattern alone; the block alone on each side is
/// reported too, so the block's own effect can be separated from its effect on the pattern.
/// </summary>
/// <remarks>The five conditions are set by name (required init properties), so no two can be swapped by position.</remarks>
public sealed class GcContextResult(string block, GiaResult result)
{
    /// <summary>The block's bases (the same on both sides).</summary>
    public string Block { get; } = block;

    public required ConditionImportance PatternAlone { get; init; }

    public required ConditionImportance FivePrime { get; init; }

    public required ConditionImportance FivePrimeBlockAlone { get; init; }

    public required ConditionImportance ThreePrime { get; init; }

    public required ConditionImportance ThreePrimeBlockAlone { get; init; }

    /// <summary>All conditions: the pattern alone, block 5′ + pattern, the 5′ block alone, pattern + block 3′, the 3′ block alone.</summary>
    public GiaResult Result { get; } = result;
}
