using System.Globalization;

namespace RbpPipeline.Trainer.Data;

/// <summary>Which columns of a TSV/CSV table hold what. Columns are chosen by their header name.</summary>
public sealed record TableColumns
{
    public required string Sequence { get; init; }

    /// <summary>One column per task (multi-task / multi-label); may be empty for unlabelled tables.</summary>
    public IReadOnlyList<string> Labels { get; init; } = [];

    /// <summary>An id column; without one a record's id is <c>file-name:line</c>.</summary>
    public string? Id { get; init; }

    /// <summary>Use the <see cref="Id"/> column when the header has it, instead of failing when it does not.</summary>
    public bool IdIsOptional { get; init; }

    /// <summary>A per-position region string column (one symbol per base), read into a <see cref="SymbolTrack"/>.</summary>
    public string? Region { get; init; }

    /// <summary>The name the region string's track gets.</summary>
    public string RegionTrackName { get; init; } = "region";
}

/// <summary>
/// Tables with a header row: tab-separated (<c>.tsv</c>, <c>.tab</c>, <c>.txt</c>) or comma-separated (<c>.csv</c>),
/// optionally gzipped. Fields may be double-quoted (a quote inside is doubled). An empty label field, <c>NA</c> or
/// <c>NaN</c> is a missing label (NaN), which multi-task metrics skip.
/// </summary>
public static class DelimitedTableReader
{
    /// <summary>The delimiter the file name implies (a trailing <c>.gz</c> is ignored).</summary>
    public static char DelimiterFor(string path)
    {
        var extension = Path.GetExtension(DataFile.NameWithoutGzip(path)).ToLowerInvariant();
        return extension switch
        {
            ".csv" => ',',
            ".tsv" or ".tab" or ".txt" => '\t',
            _ => throw new ArgumentException($"cannot tell the delimiter of '{path}' from its extension (.csv, .tsv, .tab, .txt); give it explicitly"),
        };
    }

    public static IEnumerable<SequenceRecord> Read(string path, TableColumns columns, char? delimiter = null) =>
        Read(() => new LineSource(path), columns, delimiter ?? DelimiterFor(path));

    /// <summary>Reads from an open reader (e.g. standard input); <paramref name="sourceName"/> names it in errors.</summary>
    public static IEnumerable<SequenceRecord> Read(TextReader reader, string sourceName, TableColumns columns, char delimiter) =>
        Read(() => new LineSource(reader, sourceName), columns, delimiter);

    // The source is opened on the first MoveNext, so an enumerable that is never enumerated holds no file.
    private static IEnumerable<SequenceRecord> Read(Func<LineSource> open, TableColumns columns, char separator)
    {
        ArgumentNullException.ThrowIfNull(columns);
        using var source = open();
        var path = source.File;
        string[] header;
        do
        {
            if (!source.TryRead(out var first)) throw source.Error(0, "expected a header row, found an empty file");
            header = first.Trim().Length == 0 ? [] : [.. Split(source, first, separator).Select(h => h.Trim())];
        } while (header.Length == 0);

        var sequenceIndex = ColumnIndex(source, header, columns.Sequence, "sequence");
        var labelIndices = columns.Labels.Select(l => ColumnIndex(source, header, l, "label")).ToArray();
        var idIndex = columns.Id is null || (columns.IdIsOptional && !header.Contains(columns.Id, StringComparer.Ordinal))
            ? -1 : ColumnIndex(source, header, columns.Id, "id");
        var regionIndex = columns.Region is null ? -1 : ColumnIndex(source, header, columns.Region, "region");
        var name = Path.GetFileName(path);
        var recordIndex = 0;

        while (source.TryRead(out var line))
        {
            if (line.Trim().Length == 0) continue;
            var fields = Split(source, line, separator);
            if (fields.Length != header.Length)
                throw source.Error($"expected {header.Length} fields as in the header, found {fields.Length}");
            var sequence = fields[sequenceIndex].Trim();
            if (sequence.Length == 0) throw source.Error($"expected a sequence in column '{columns.Sequence}', found an empty field");
            SequenceText.Validate(source, source.LineNumber, sequence);
            var labels = new double[labelIndices.Length];
            for (var t = 0; t < labels.Length; t++)
                labels[t] = ParseLabel(source, fields[labelIndices[t]], columns.Labels[t]);
            var id = idIndex >= 0 ? fields[idIndex] : $"{name}:{source.LineNumber}";
            var record = new SequenceRecord(id, sequence, labels);
            if (regionIndex >= 0)
            {
                var region = fields[regionIndex].Trim();
                if (region.Length != sequence.Length)
                    throw source.Error($"record {recordIndex} (id '{id}'): region string in column '{columns.Region}' has {region.Length} positions but the sequence has {sequence.Length}");
                record = record.WithTrack(new SymbolTrack(columns.RegionTrackName, region));
            }
            recordIndex++;
            yield return record;
        }
    }

    private static int ColumnIndex(LineSource source, string[] header, string column, string role)
    {
        var index = Array.IndexOf(header, column);
        if (index < 0)
            throw source.Error(1, $"expected a {role} column named '{column}' in the header, found only: {string.Join(", ", header.Select(h => $"'{h}'"))}");
        if (Array.IndexOf(header, column, index + 1) >= 0)
            throw source.Error(1, $"the header names column '{column}' twice");
        return index;
    }

    private static double ParseLabel(LineSource source, string field, string column)
    {
        var text = field.Trim();
        if (text.Length == 0 || text.Equals("NA", StringComparison.OrdinalIgnoreCase) || text.Equals("NaN", StringComparison.OrdinalIgnoreCase))
            return double.NaN;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
            throw source.Error($"expected a number (or empty/NA for missing) in label column '{column}', found '{FastaLikeReader.Shorten(text)}'");
        return value;
    }

    /// <summary>Splits one line; a field starting with a quote runs to the matching quote (<c>""</c> is a quote).</summary>
    internal static string[] Split(LineSource source, string line, char separator)
    {
        var fields = new List<string>();
        var i = 0;
        while (true)
        {
            if (i < line.Length && line[i] == '"')
            {
                var builder = new System.Text.StringBuilder();
                i++;
                while (true)
                {
                    if (i >= line.Length) throw source.Error("expected a closing '\"' before the end of the line");
                    if (line[i] == '"')
                    {
                        if (i + 1 < line.Length && line[i + 1] == '"') { builder.Append('"'); i += 2; continue; }
                        i++;
                        break;
                    }
                    builder.Append(line[i++]);
                }
                if (i < line.Length && line[i] != separator)
                    throw source.Error($"expected '{Printable(separator)}' after a quoted field, found '{line[i]}'");
                fields.Add(builder.ToString());
            }
            else
            {
                var end = line.IndexOf(separator, i);
                if (end < 0) end = line.Length;
                fields.Add(line[i..end]);
                i = end;
            }
            if (i >= line.Length) break;
            i++; // the separator
            if (i == line.Length) { fields.Add(""); break; }
        }
        return [.. fields];
    }

    private static string Printable(char c) => c == '\t' ? "\\t" : c.ToString();
}
