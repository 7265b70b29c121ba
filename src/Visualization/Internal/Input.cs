namespace RbpPipeline.Visualization;

/// <summary>Argument checks shared by the pictures; messages name the position (1-based) and channel at fault.</summary>
internal static class Input
{
    /// <summary>L of a channel-major [4, L] matrix, after checking its shape and that every value is finite.</summary>
    public static int ChannelMajorLength(float[] matrix, string parameterName, string what)
    {
        ArgumentNullException.ThrowIfNull(matrix, parameterName);
        if (matrix.Length == 0 || matrix.Length % 4 != 0)
            throw new ArgumentException($"{what} must hold 4 x L values (channels A, C, G, U, channel-major); got {matrix.Length} values", parameterName);
        var length = matrix.Length / 4;
        for (var channel = 0; channel < 4; channel++)
            for (var i = 0; i < length; i++)
            {
                var value = matrix[channel * length + i];
                if (!float.IsFinite(value))
                    throw new ArgumentException($"{what} is {Describe(value)} at {Where(i, channel)}", parameterName);
            }
        return length;
    }

    /// <summary>"position 58 (1-based; index 57), channel C": pictures number positions from 1, code from 0.</summary>
    public static string Where(int index, int channel) =>
        $"{Position(index)}, channel {LetterGlyphs.Alphabet[channel]}";

    public static string Position(int index) => $"position {index + 1} (1-based; index {index})";

    public static string Describe(double value) =>
        double.IsNaN(value) ? "NaN"
        : double.IsPositiveInfinity(value) ? "+Infinity"
        : double.IsNegativeInfinity(value) ? "-Infinity"
        : value.ToString("R", System.Globalization.CultureInfo.InvariantCulture);

    public static void Positive(double value, string name)
    {
        if (!double.IsFinite(value) || value <= 0) throw new ArgumentOutOfRangeException(name, value, "must be positive and finite");
    }

    public static void Fraction(double value, string name)
    {
        if (!double.IsFinite(value) || value <= 0 || value > 1) throw new ArgumentOutOfRangeException(name, value, "must be in (0, 1]");
    }

    public static void PositionLabels(IReadOnlyList<string>? labels, int length, string parameterName)
    {
        if (labels is null) return;
        if (labels.Count != length)
            throw new ArgumentException($"{labels.Count} position labels for {length} positions", parameterName);
        for (var i = 0; i < labels.Count; i++)
            if (labels[i] is null) throw new ArgumentException($"position label at {Position(i)} is null", parameterName);
    }

    /// <summary>
    /// Channel (0..3) of each base of <paramref name="sequence"/> (A, C, G, U or T, any case); −1 for N and the
    /// other IUPAC ambiguity codes, which name no single channel (genomic windows contain them, and one should not
    /// cost the caller the whole picture).
    /// </summary>
    /// <param name="what">The sequence's name in messages ("reference sequence").</param>
    /// <param name="against">What fixes the length, in messages ("the deltas have").</param>
    public static int[] BaseChannels(string sequence, int length, string parameterName, string what, string against)
    {
        ArgumentNullException.ThrowIfNull(sequence, parameterName);
        if (sequence.Length != length)
            throw new ArgumentException($"{what} has {sequence.Length} bases but {against} {length} positions", parameterName);
        var channels = new int[length];
        for (var i = 0; i < length; i++)
        {
            channels[i] = char.ToUpperInvariant(sequence[i]) switch
            {
                'A' => 0,
                'C' => 1,
                'G' => 2,
                'U' or 'T' => 3,
                'N' or 'R' or 'Y' or 'S' or 'W' or 'K' or 'M' or 'B' or 'D' or 'H' or 'V' => -1,
                var other => throw new ArgumentException(
                    $"{what}: base '{other}' at {Position(i)} is not one of A, C, G, U, T or an IUPAC ambiguity code", parameterName),
            };
        }
        return channels;
    }

    /// <summary>The letter of a channel from <see cref="BaseChannels"/>; N for −1.</summary>
    public static char BaseLetter(int channel) => channel < 0 ? 'N' : LetterGlyphs.Alphabet[channel];

    public static void TickEvery(int tickEvery, string name)
    {
        if (tickEvery < 1) throw new ArgumentOutOfRangeException(name, tickEvery, "must be at least 1");
    }
}
