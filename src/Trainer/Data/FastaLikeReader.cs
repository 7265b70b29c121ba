namespace RbpPipeline.Trainer.Data;

/// <summary>A <c>&gt;header</c> line and the non-blank lines after it, each with its line number.</summary>
internal sealed record FastaEntry(string Header, long HeaderLine, IReadOnlyList<(string Text, long Line)> Body);

/// <summary>
/// The framing shared by FASTA, shape-string and structure-profile files: records start at a line beginning
/// with <c>&gt;</c>; blank lines are ignored anywhere.
/// </summary>
internal static class FastaLikeReader
{
    /// <param name="onPreamble">Called for each non-blank line before the first header; null makes such lines an error.</param>
    public static IEnumerable<FastaEntry> Read(LineSource source, Action<string>? onPreamble = null)
    {
        string? header = null;
        long headerLine = 0;
        var body = new List<(string, long)>();
        while (source.TryRead(out var line))
        {
            if (line.Length > 0 && line[0] == '>')
            {
                if (header is not null) yield return new FastaEntry(header, headerLine, body);
                header = line[1..].Trim();
                headerLine = source.LineNumber;
                body = [];
                continue;
            }
            var text = line.Trim();
            if (text.Length == 0) continue;
            if (header is not null)
            {
                body.Add((text, source.LineNumber));
            }
            else if (onPreamble is not null)
            {
                onPreamble(text);
            }
            else
            {
                throw source.Error($"expected a '>' header line before any data, found '{Shorten(text)}'");
            }
        }
        if (header is not null) yield return new FastaEntry(header, headerLine, body);
    }

    public static string Shorten(string text) => text.Length <= 40 ? text : text[..37] + "...";
}
