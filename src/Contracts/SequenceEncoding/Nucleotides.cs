namespace RbpPipeline.Contracts.SequenceEncoding;

/// <summary>The RNA alphabet, the IUPAC codes and reverse complements, on strings and on encoded tensors.</summary>
public static class Nucleotides
{
    public static IReadOnlyList<string> ChannelNames { get; } = ["A", "C", "G", "U"];

    /// <summary>The two-, three-base IUPAC codes (N, "any base", has its own policy).</summary>
    public const string AmbiguityCodes = "RYSWKMBDHV";

    /// <summary>The bases an upper-case IUPAC letter stands for, T read as U; empty for anything else.</summary>
    public static string BasesOf(char upper) => upper switch
    {
        'A' => "A",
        'C' => "C",
        'G' => "G",
        'U' or 'T' => "U",
        'R' => "AG",
        'Y' => "CU",
        'S' => "CG",
        'W' => "AU",
        'K' => "GU",
        'M' => "AC",
        'B' => "CGU",
        'D' => "AGU",
        'H' => "ACU",
        'V' => "ACG",
        'N' => "ACGU",
        _ => "",
    };

    /// <summary>
    /// The complement of one IUPAC letter (any case) as upper-case RNA: A↔U (T→A), C↔G, R↔Y, K↔M, B↔V, D↔H;
    /// S, W and N are their own complements.
    /// </summary>
    public static char Complement(char c) => char.ToUpperInvariant(c) switch
    {
        'A' => 'U',
        'U' or 'T' => 'A',
        'C' => 'G',
        'G' => 'C',
        'R' => 'Y',
        'Y' => 'R',
        'K' => 'M',
        'M' => 'K',
        'B' => 'V',
        'V' => 'B',
        'D' => 'H',
        'H' => 'D',
        'S' => 'S',
        'W' => 'W',
        'N' => 'N',
        _ => throw new ArgumentException($"{SequenceEncodingException.Show(c)} is not an IUPAC nucleotide code", nameof(c)),
    };

    /// <summary>The reverse complement as upper-case RNA (T becomes U on the way).</summary>
    public static string ReverseComplement(ReadOnlySpan<char> sequence)
    {
        var result = new char[sequence.Length];
        for (var i = 0; i < sequence.Length; i++)
        {
            try { result[sequence.Length - 1 - i] = Complement(sequence[i]); }
            catch (ArgumentException e) { throw new ArgumentException($"{e.Message}, at position {i} (0-based)", nameof(sequence), e); }
        }
        return new string(result);
    }

    /// <summary>
    /// Reverse-complements encoded sequences ([records, 4, L], channels A, C, G, U): positions reversed and channels
    /// swapped A↔U, C↔G, which is reversing the channel axis. Exact for ambiguity means too, since the complement of
    /// a mean is the mean of the complements.
    /// </summary>
    public static void ReverseComplement(ReadOnlySpan<float> encoded, Span<float> destination, int length)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 1);
        var record = 4 * length;
        if (encoded.Length % record != 0)
            throw new ArgumentException($"{encoded.Length} values are not a whole number of [4, {length}] records", nameof(encoded));
        if (destination.Length != encoded.Length)
            throw new ArgumentException($"destination holds {destination.Length} values, the source {encoded.Length}", nameof(destination));
        if (encoded.Overlaps(destination))
            throw new ArgumentException("source and destination must not overlap", nameof(destination));
        for (var r = 0; r < encoded.Length; r += record)
            for (var c = 0; c < 4; c++)
            {
                var source = encoded.Slice(r + c * length, length);
                var target = destination.Slice(r + (3 - c) * length, length);
                for (var p = 0; p < length; p++) target[length - 1 - p] = source[p];
            }
    }
}
