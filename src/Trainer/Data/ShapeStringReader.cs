using System.Text;

namespace RbpPipeline.Trainer.Data;

/// <summary>
/// RNAshapes-style structure annotation strings in a FASTA-like file: <c>&gt;id</c> then one symbol per base,
/// possibly wrapped: F (5′ dangling end), T (3′ dangling end), S (stem), H (hairpin loop), I (internal loop),
/// M (multiloop). The symbols are kept as written; channels are made from them by the encoding.
/// </summary>
public static class ShapeStringReader
{
    public const string DefaultTrackName = "structure";
    public const string Alphabet = "FTSHIM";

    public static IEnumerable<TrackEntry> Read(string path, string trackName = DefaultTrackName)
    {
        using var source = new LineSource(path);
        foreach (var entry in FastaLikeReader.Read(source))
        {
            if (entry.Body.Count == 0)
                throw source.Error(entry.HeaderLine, $"record '{entry.Header}': expected a shape string after the header, found none");
            var builder = new StringBuilder();
            foreach (var (text, line) in entry.Body)
            {
                for (var i = 0; i < text.Length; i++)
                {
                    if (Alphabet.IndexOf(text[i]) < 0)
                        throw source.Error(line, $"record '{entry.Header}': expected one of {string.Join(' ', Alphabet.ToCharArray())}, found '{text[i]}' at column {i + 1}");
                }
                builder.Append(text);
            }
            yield return new TrackEntry(entry.Header, new SymbolTrack(trackName, builder.ToString()), path, entry.HeaderLine);
        }
    }
}
