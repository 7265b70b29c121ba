using System.Globalization;
using System.Text;

namespace RbpPipeline.Trainer.Data;

/// <summary>
/// FASTA as in the iDeepS / iONMF CLIP benchmark: <c>&gt; chr1,+,368294,368394; class:1</c> followed by the
/// sequence wrapped over any number of lines. The label follows <c>class:</c>; several labels (multi-task) are
/// separated by commas, e.g. <c>class:1,0,1</c>. The id is the header text before <c>; class:</c>.
/// </summary>
public static class FastaReader
{
    private const string ClassKey = "class:";

    /// <param name="allowUnlabelled">
    /// Accept headers without <c>class:</c> (records then have no labels). Off by default because a training
    /// file that silently lost its labels would otherwise train on nothing.
    /// </param>
    public static IEnumerable<SequenceRecord> Read(string path, bool allowUnlabelled = false) =>
        Read(() => new LineSource(path), allowUnlabelled);

    /// <summary>Reads from an open reader (e.g. standard input); <paramref name="sourceName"/> names it in errors.</summary>
    public static IEnumerable<SequenceRecord> Read(TextReader reader, string sourceName, bool allowUnlabelled = false) =>
        Read(() => new LineSource(reader, sourceName), allowUnlabelled);

    // The source is opened on the first MoveNext, so an enumerable that is never enumerated holds no file.
    private static IEnumerable<SequenceRecord> Read(Func<LineSource> open, bool allowUnlabelled)
    {
        using var source = open();
        int? labelCount = null;
        foreach (var entry in FastaLikeReader.Read(source))
        {
            var (id, labels) = ParseHeader(source, entry, allowUnlabelled);
            if (labels.Length > 0)
            {
                labelCount ??= labels.Length;
                if (labels.Length != labelCount)
                    throw source.Error(entry.HeaderLine, $"expected {labelCount} label(s) after '{ClassKey}' as in the records before, found {labels.Length}");
            }
            yield return new SequenceRecord(id, JoinSequence(source, entry), labels);
        }
    }

    private static (string Id, double[] Labels) ParseHeader(LineSource source, FastaEntry entry, bool allowUnlabelled)
    {
        var header = entry.Header;
        var at = header.IndexOf(ClassKey, StringComparison.OrdinalIgnoreCase);
        if (at < 0)
        {
            if (!allowUnlabelled)
                throw source.Error(entry.HeaderLine, $"expected a label ('; {ClassKey}<value>') in the header '{FastaLikeReader.Shorten(header)}' (pass allowUnlabelled for unlabelled FASTA)");
            return (header, []);
        }
        var id = header[..at].TrimEnd().TrimEnd(';').TrimEnd();
        var labelText = header[(at + ClassKey.Length)..].Trim();
        var end = labelText.IndexOfAny([';', ' ', '\t']);
        if (end >= 0) labelText = labelText[..end];
        var parts = labelText.Split(',');
        var labels = new double[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out labels[i]) || !double.IsFinite(labels[i]))
                throw source.Error(entry.HeaderLine, $"expected a number after '{ClassKey}', found '{parts[i]}'");
        }
        return (id, labels);
    }

    private static string JoinSequence(LineSource source, FastaEntry entry)
    {
        if (entry.Body.Count == 0)
            throw source.Error(entry.HeaderLine, $"expected sequence lines after the header '{FastaLikeReader.Shorten(entry.Header)}', found none");
        var builder = new StringBuilder(entry.Body.Sum(b => b.Text.Length));
        foreach (var (text, line) in entry.Body)
        {
            SequenceText.Validate(source, line, text);
            builder.Append(text);
        }
        return builder.ToString();
    }
}
