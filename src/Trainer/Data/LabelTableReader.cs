using System.Globalization;

namespace RbpPipeline.Trainer.Data;

/// <summary>A row of labels read from a separate label file, with its line for error messages.</summary>
public sealed record LabelRow(IReadOnlyList<double> Labels, string File, long Line);

/// <summary>
/// Label-only files such as iONMF's <c>*_matrix_Response.tab</c>: a header naming the tasks (<c>Class</c>), then
/// one whitespace-separated row of numbers per sequence, in sequence order.
/// </summary>
public static class LabelTableReader
{
    private static readonly char[] Separators = [' ', '\t'];

    /// <summary>The task names the header gives.</summary>
    public static IReadOnlyList<string> ReadTaskNames(string path)
    {
        using var source = new LineSource(path);
        return ReadHeader(source);
    }

    public static IEnumerable<LabelRow> Read(string path)
    {
        using var source = new LineSource(path);
        var tasks = ReadHeader(source);
        while (source.TryRead(out var line))
        {
            if (line.Trim().Length == 0) continue;
            var fields = line.Split(Separators, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length != tasks.Count)
                throw source.Error($"expected {tasks.Count} label(s) as in the header, found {fields.Length}");
            var labels = new double[fields.Length];
            for (var i = 0; i < fields.Length; i++)
            {
                if (!double.TryParse(fields[i], NumberStyles.Float, CultureInfo.InvariantCulture, out labels[i]) || !double.IsFinite(labels[i]))
                    throw source.Error($"expected a number for label '{tasks[i]}', found '{FastaLikeReader.Shorten(fields[i])}'");
            }
            yield return new LabelRow(labels, path, source.LineNumber);
        }
    }

    private static IReadOnlyList<string> ReadHeader(LineSource source)
    {
        while (source.TryRead(out var line))
        {
            var names = line.Split(Separators, StringSplitOptions.RemoveEmptyEntries);
            if (names.Length > 0) return names;
        }
        throw source.Error(0, "expected a header row naming the label columns, found an empty file");
    }
}
