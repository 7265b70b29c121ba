using System.Globalization;

namespace RbpPipeline.Trainer.Data;

/// <summary>
/// Writes records in the formats the readers read, so generated data and data written by <c>rbp</c> go through
/// the same readers as user data. Files ending in <c>.gz</c> are gzipped; writes are atomic.
/// </summary>
public static class DataWriters
{
    /// <summary>FASTA with <c>; class:</c> labels (comma-separated when several), sequences wrapped at <paramref name="lineWidth"/>.</summary>
    public static void WriteFasta(string path, IEnumerable<SequenceRecord> records, int lineWidth = 60)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(lineWidth, 1);
        DataFile.WriteText(path, writer =>
        {
            foreach (var record in records)
            {
                RequireSingleLine(record.Id, "id");
                writer.Write("> ");
                writer.Write(record.Id);
                if (record.Labels.Count > 0)
                {
                    writer.Write("; class:");
                    writer.Write(string.Join(',', record.Labels.Select(Format)));
                }
                writer.WriteLine();
                for (var i = 0; i < record.Sequence.Length; i += lineWidth)
                    writer.WriteLine(record.Sequence.AsSpan(i, Math.Min(lineWidth, record.Sequence.Length - i)));
            }
        });
    }

    /// <summary><c>score sequence</c> lines (RNAcompete uses a space, RBP-ADDA a tab); each record needs exactly one label.</summary>
    public static void WriteScoreSequence(string path, IEnumerable<SequenceRecord> records, char separator = ' ')
    {
        DataFile.WriteText(path, writer =>
        {
            foreach (var record in records)
            {
                if (record.Labels.Count != 1)
                    throw new ArgumentException($"record '{record.Id}' has {record.Labels.Count} labels; score files hold exactly one");
                writer.Write(Format(record.Labels[0]));
                writer.Write(separator);
                writer.WriteLine(record.Sequence);
            }
        });
    }

    /// <summary>
    /// A table with columns <c>id</c>, <c>sequence</c>, one per label (named by <paramref name="labelColumns"/>) and,
    /// when <paramref name="regionTrack"/> is given, a <c>region</c> column holding that symbol track.
    /// </summary>
    public static void WriteTable(string path, IEnumerable<SequenceRecord> records, IReadOnlyList<string> labelColumns,
        string? regionTrack = null, char? delimiter = null)
    {
        ArgumentNullException.ThrowIfNull(labelColumns);
        var separator = delimiter ?? DelimitedTableReader.DelimiterFor(path);
        DataFile.WriteText(path, writer =>
        {
            List<string> header = ["id", "sequence", .. labelColumns];
            if (regionTrack is not null) header.Add("region");
            writer.WriteLine(string.Join(separator, header.Select(h => Quote(h, separator))));
            foreach (var record in records)
            {
                if (record.Labels.Count != labelColumns.Count)
                    throw new ArgumentException($"record '{record.Id}' has {record.Labels.Count} labels but {labelColumns.Count} label columns were named");
                List<string> fields = [Quote(record.Id, separator), record.Sequence, .. record.Labels.Select(l => double.IsNaN(l) ? "NA" : Format(l))];
                if (regionTrack is not null)
                {
                    if (record.FindTrack(regionTrack) is not SymbolTrack region)
                        throw new ArgumentException($"record '{record.Id}' has no symbol track named '{regionTrack}'");
                    fields.Add(region.Symbols);
                }
                writer.WriteLine(string.Join(separator, fields));
            }
        });
    }

    /// <summary>
    /// An iONMF-style region matrix (header of channel names, each repeated once per position, then one row of
    /// values per record) from the numeric track <paramref name="trackName"/> of every record.
    /// </summary>
    public static void WriteRegionTypeMatrix(string path, IEnumerable<SequenceRecord> records, string trackName = RegionTypeMatrixReader.DefaultTrackName)
    {
        DataFile.WriteText(path, writer =>
        {
            IReadOnlyList<string>? channels = null;
            var length = 0;
            foreach (var record in records)
            {
                if (record.FindTrack(trackName) is not NumericTrack track)
                    throw new ArgumentException($"record '{record.Id}' has no numeric track named '{trackName}'");
                if (channels is null)
                {
                    channels = track.Channels;
                    length = track.Length;
                    writer.WriteLine(string.Join('\t', channels.SelectMany(c => Enumerable.Repeat(c, length))));
                }
                else if (!track.Channels.SequenceEqual(channels) || track.Length != length)
                {
                    throw new ArgumentException($"record '{record.Id}': every record needs the same channels and length in a region matrix");
                }
                writer.WriteLine(string.Join('\t', track.Values.ToArray().Select(v => v.ToString("R", CultureInfo.InvariantCulture))));
            }
        });
    }

    /// <summary>A label-only file (header of task names, one row per record), as iONMF's Response files.</summary>
    public static void WriteLabelTable(string path, IEnumerable<SequenceRecord> records, IReadOnlyList<string> taskNames)
    {
        DataFile.WriteText(path, writer =>
        {
            writer.WriteLine(string.Join('\t', taskNames));
            foreach (var record in records)
            {
                if (record.Labels.Count != taskNames.Count)
                    throw new ArgumentException($"record '{record.Id}' has {record.Labels.Count} labels but {taskNames.Count} tasks were named");
                writer.WriteLine(string.Join('\t', record.Labels.Select(Format)));
            }
        });
    }

    /// <summary>Shortest text that parses back to the same double.</summary>
    internal static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string Quote(string field, char separator) =>
        field.Contains(separator) || field.Contains('"')
            ? $"\"{field.Replace("\"", "\"\"")}\""
            : field;

    private static void RequireSingleLine(string text, string what)
    {
        if (text.Contains('\n') || text.Contains('\r')) throw new ArgumentException($"{what} '{text}' spans several lines");
    }
}
