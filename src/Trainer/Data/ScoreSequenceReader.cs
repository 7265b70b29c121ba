using System.Globalization;

namespace RbpPipeline.Trainer.Data;

/// <summary>
/// RNAcompete-style probe files: one <c>&lt;score&gt; &lt;sequence&gt;</c> per line, separated by spaces or a tab
/// (DLPRB's files use a space, RBP-ADDA's a tab). These files carry no ids, so a record's id is
/// <c>file-name:line</c>.
/// </summary>
public static class ScoreSequenceReader
{
    private static readonly char[] Separators = [' ', '\t'];

    public static IEnumerable<SequenceRecord> Read(string path)
    {
        using var source = new LineSource(path);
        var name = Path.GetFileName(path);
        while (source.TryRead(out var line))
        {
            var text = line.Trim();
            if (text.Length == 0) continue;
            var fields = text.Split(Separators, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length != 2)
                throw source.Error($"expected '<score> <sequence>' (two fields separated by a space or tab), found {fields.Length} field(s)");
            if (!double.TryParse(fields[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var score) || !double.IsFinite(score))
                throw source.Error($"expected a numeric score in the first field, found '{FastaLikeReader.Shorten(fields[0])}'");
            SequenceText.Validate(source, source.LineNumber, fields[1]);
            yield return new SequenceRecord($"{name}:{source.LineNumber}", fields[1], [score]);
        }
    }
}
