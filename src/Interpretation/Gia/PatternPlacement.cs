using RbpPipeline.Interpretation.Sequences;

namespace RbpPipeline.Interpretation.Gia;

/// <summary>
/// A pattern embedded into every background: its bases (A, C, G, U; T read as U; N keeps the background's base)
/// starting at a 0-based position.
/// </summary>
public sealed record PatternPlacement(string Pattern, int Position);

/// <summary>Pattern text to codes, with the checks every experiment shares.</summary>
internal static class Patterns
{
    /// <summary>Codes of <paramref name="pattern"/> (N as <see cref="NucleotideCodes.Unknown"/>); other letters are rejected.</summary>
    public static byte[] Parse(string pattern)
    {
        if (string.IsNullOrEmpty(pattern)) throw new ArgumentException("an empty pattern");
        var codes = new byte[pattern.Length];
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = char.ToUpperInvariant(pattern[i]);
            codes[i] = c == 'N'
                ? NucleotideCodes.Unknown
                : "ACGUT".Contains(c)
                    ? NucleotideCodes.Code(c)
                    : throw new ArgumentException(
                        $"pattern '{pattern}' has '{pattern[i]}' at {i}; only A, C, G, U (T) and N (keep the background base) are allowed");
        }
        return codes;
    }

    /// <summary>Canonical text of a pattern: upper case, T as U.</summary>
    public static string Normalize(string pattern) => NucleotideCodes.ToString(Parse(pattern));

    public static void CheckFits(string pattern, int length, int position, int modelLength)
    {
        if (position < 0 || position + length > modelLength)
            throw new ArgumentException(
                $"pattern '{pattern}' at position {position} does not fit the model's sequence length {modelLength} (it needs positions {position}..{position + length - 1}; valid starts are 0..{modelLength - length})");
    }

    /// <summary>RNA complement of a base code (A–U, C–G); N stays N.</summary>
    public static byte Complement(byte code) => code < 4 ? (byte)(3 - code) : code;
}
