namespace RbpPipeline.Interpretation.Sequences;

/// <summary>
/// Sequences as byte codes: 0..3 are A, C, G, U (the channel order of the one-hot sequence input) and
/// <see cref="Unknown"/> is N or any column that is not a clear one-hot (all zero, padding, ties).
/// The interpretation algorithms shuffle, embed and mutate codes and write one-hot tensors from them.
/// </summary>
public static class NucleotideCodes
{
    public const byte Unknown = 4;

    /// <summary>The number of distinct codes (four bases and <see cref="Unknown"/>).</summary>
    public const int Symbols = 5;

    public const string Letters = "ACGU";

    public static byte Code(char c) => char.ToUpperInvariant(c) switch
    {
        'A' => 0,
        'C' => 1,
        'G' => 2,
        'U' or 'T' => 3,
        _ => Unknown,
    };

    public static char Letter(byte code) => code < 4 ? Letters[code] : 'N';

    /// <summary>Codes of <paramref name="sequence"/> (T read as U; anything other than ACGTU is N).</summary>
    public static byte[] FromString(ReadOnlySpan<char> sequence)
    {
        var codes = new byte[sequence.Length];
        for (var i = 0; i < codes.Length; i++) codes[i] = Code(sequence[i]);
        return codes;
    }

    public static string ToString(ReadOnlySpan<byte> codes)
    {
        var chars = new char[codes.Length];
        for (var i = 0; i < chars.Length; i++) chars[i] = Letter(codes[i]);
        return new string(chars);
    }

    /// <summary>Reads a one-hot record [4, L] (channel-major): each column's unique positive maximum, else <see cref="Unknown"/>.</summary>
    public static void FromOneHot(ReadOnlySpan<float> oneHot, Span<byte> codes)
    {
        var length = codes.Length;
        if (oneHot.Length != 4 * length)
            throw new ArgumentException($"a one-hot record of length {length} has {4 * length} values, got {oneHot.Length}");
        for (var i = 0; i < length; i++)
        {
            byte best = Unknown;
            var max = 0f;
            var tie = false;
            for (byte c = 0; c < 4; c++)
            {
                var v = oneHot[c * length + i];
                if (v > max) { max = v; best = c; tie = false; }
                else if (v == max && v > 0) tie = true;
            }
            codes[i] = tie ? Unknown : best;
        }
    }

    /// <summary>Writes codes as a one-hot record [4, L]; <see cref="Unknown"/> columns get <paramref name="unknownValue"/> in every channel.</summary>
    public static void WriteOneHot(ReadOnlySpan<byte> codes, Span<float> destination, float unknownValue = 0f)
    {
        var length = codes.Length;
        if (destination.Length != 4 * length)
            throw new ArgumentException($"a one-hot record of length {length} needs {4 * length} values, got {destination.Length}");
        destination.Clear();
        for (var i = 0; i < length; i++)
        {
            var code = codes[i];
            if (code < 4) destination[code * length + i] = 1f;
            else if (unknownValue != 0f)
                for (var c = 0; c < 4; c++) destination[c * length + i] = unknownValue;
        }
    }
}
