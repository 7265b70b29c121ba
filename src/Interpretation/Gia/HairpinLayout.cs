using RbpPipeline.Interpretation.Sequences;

namespace RbpPipeline.Interpretation.Gia;

/// <summary>
/// A designed hairpin: 5′ arm [Start, Start + StemLength), loop of LoopLength, then the 3′ arm, the reverse
/// complement of the 5′ arm (A–U, G–C) so the two arms pair base for base. The loop keeps the background's bases.
/// The designs are strings over [Start, End) in which N keeps the background base, ready to embed at Start.
/// </summary>
/// <param name="FivePrimeArm">The designed 5′ arm before any pattern is placed in it.</param>
/// <param name="LoopPatternPosition">Where the pattern starts when placed in the loop (centred in it).</param>
/// <param name="StemPatternPosition">Where the pattern starts when placed in the 5′ arm (centred in it).</param>
public sealed record HairpinLayout(int Start, int StemLength, int LoopLength, string FivePrimeArm, int LoopPatternPosition, int StemPatternPosition)
{
    public int End => Start + 2 * StemLength + LoopLength;

    /// <summary>
    /// The layout that puts a pattern of <paramref name="patternLength"/> at <paramref name="patternPosition"/> in
    /// the middle of the loop (the stem placement then uses the same hairpin); the 5′ arm has random bases.
    /// </summary>
    public static HairpinLayout Around(string pattern, int patternPosition, int stemLength, int loopLength, int sequenceLength, Random random)
    {
        var length = pattern.Length;
        if (stemLength < length)
            throw new ArgumentException($"a stem arm of {stemLength} cannot hold pattern '{pattern}' of length {length}");
        if (loopLength < length)
            throw new ArgumentException($"a loop of {loopLength} cannot hold pattern '{pattern}' of length {length}");
        Patterns.CheckFits(pattern, length, patternPosition, sequenceLength);
        var loopStart = patternPosition - (loopLength - length) / 2;
        var start = loopStart - stemLength;
        var end = start + 2 * stemLength + loopLength;
        if (start < 0 || end > sequenceLength)
            throw new ArgumentException(
                $"pattern '{pattern}' at position {patternPosition}: a hairpin with stem {stemLength} and loop {loopLength} around it spans {start}..{end - 1}, outside the model's sequence length {sequenceLength}");
        var arm = new char[stemLength];
        for (var i = 0; i < arm.Length; i++) arm[i] = NucleotideCodes.Letters[random.Next(4)];
        return new HairpinLayout(start, stemLength, loopLength, new string(arm), patternPosition, start + (stemLength - length) / 2);
    }

    /// <summary>The hairpin without a pattern.</summary>
    public string Design() => Build(FivePrimeArm, null, 0);

    /// <summary>The hairpin with <paramref name="pattern"/> at <see cref="LoopPatternPosition"/>.</summary>
    public string DesignWithPatternInLoop(string pattern) => Build(FivePrimeArm, pattern, LoopPatternPosition - Start);

    /// <summary>
    /// The hairpin with <paramref name="pattern"/> at <see cref="StemPatternPosition"/> in the 5′ arm (N keeps the
    /// designed base) and the 3′ arm rebuilt as the complement of the changed arm, so the stem stays paired.
    /// </summary>
    public string DesignWithPatternInStem(string pattern)
    {
        var arm = FivePrimeArm.ToCharArray();
        var offset = StemPatternPosition - Start;
        var codes = Patterns.Parse(pattern);
        for (var i = 0; i < codes.Length; i++)
            if (codes[i] < 4) arm[offset + i] = NucleotideCodes.Letter(codes[i]);
        return Build(new string(arm), null, 0);
    }

    private string Build(string arm, string? loopPattern, int loopOffset)
    {
        var design = new char[End - Start];
        for (var i = 0; i < StemLength; i++)
        {
            design[i] = arm[i];
            design[design.Length - 1 - i] = NucleotideCodes.Letter(Patterns.Complement(NucleotideCodes.Code(arm[i])));
        }
        for (var i = StemLength; i < StemLength + LoopLength; i++) design[i] = 'N';
        if (loopPattern is not null)
        {
            var codes = Patterns.Parse(loopPattern);
            for (var i = 0; i < codes.Length; i++) design[loopOffset + i] = NucleotideCodes.Letter(codes[i]);
        }
        return new string(design);
    }
}
