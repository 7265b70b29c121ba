namespace RbpPipeline.Interpretation.Gia;

/// <summary>A checked pattern as base codes (N = keep the background) at a 0-based start.</summary>
internal readonly record struct CodedPlacement(byte[] Codes, int Position)
{
    /// <summary>Parses <paramref name="pattern"/> and checks that it fits at <paramref name="position"/>.</summary>
    public static CodedPlacement Parse(string pattern, int position, int sequenceLength)
    {
        var codes = Patterns.Parse(pattern);
        Patterns.CheckFits(pattern, codes.Length, position, sequenceLength);
        return new CodedPlacement(codes, position);
    }
}
