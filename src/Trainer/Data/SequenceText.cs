namespace RbpPipeline.Trainer.Data;

/// <summary>
/// The one check readers make on bases: letters only. Which letters are acceptable (N, IUPAC codes, T vs U)
/// is the encoding specification's decision, made later in one place.
/// </summary>
internal static class SequenceText
{
    public static void Validate(LineSource source, long line, string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (!char.IsAsciiLetter(text[i]))
                throw source.Error(line, $"expected sequence letters, found '{text[i]}' at column {i + 1}");
        }
    }

    public static bool IsLetters(string text)
    {
        foreach (var c in text)
            if (!char.IsAsciiLetter(c)) return false;
        return text.Length > 0;
    }
}
