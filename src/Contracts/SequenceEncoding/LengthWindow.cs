namespace RbpPipeline.Contracts.SequenceEncoding;

/// <summary>
/// Where a sequence of <see cref="RawLength"/> bases lands in the fixed-length tensor: output column p holds input
/// base p + <see cref="Offset"/> when that is inside the input, and padding otherwise. Tracks use the same window
/// as their sequence, and the server uses it to map per-column attributions back to input positions.
/// </summary>
public readonly record struct LengthWindow(int RawLength, int Length, int Offset)
{
    /// <summary>The window for one sequence; <see cref="LengthPolicy.Exact"/> requires equal lengths.</summary>
    public static LengthWindow For(LengthPolicy policy, int rawLength, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rawLength);
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 1);
        var offset = policy switch
        {
            LengthPolicy.Exact when rawLength != length =>
                throw new ArgumentException($"length policy 'exact' needs {length} bases, got {rawLength}"),
            LengthPolicy.Exact or LengthPolicy.Left => 0,
            LengthPolicy.Right => rawLength - length,
            // C# integer division truncates toward zero, so both when trimming (offset > 0) and when padding
            // (offset < 0) the 5′ side gets the smaller half and the 3′ end the extra base or column.
            LengthPolicy.Centre => (rawLength - length) / 2,
            _ => throw new ArgumentOutOfRangeException(nameof(policy), policy, "unknown length policy"),
        };
        return new LengthWindow(rawLength, length, offset);
    }

    /// <summary>The first output column that holds a base.</summary>
    public int DestinationStart => Math.Max(0, -Offset);

    /// <summary>The input position copied to <see cref="DestinationStart"/>.</summary>
    public int SourceStart => Math.Max(0, Offset);

    /// <summary>How many bases are copied.</summary>
    public int CopyLength => Math.Max(0, Math.Min(Length, RawLength - Offset) - DestinationStart);

    /// <summary>Padding columns at the 5′ start and the 3′ end.</summary>
    public int PadStart => DestinationStart;

    public int PadEnd => Length - DestinationStart - CopyLength;

    /// <summary>Input bases dropped at the 5′ start and the 3′ end.</summary>
    public int TrimStart => SourceStart;

    public int TrimEnd => RawLength - SourceStart - CopyLength;
}
