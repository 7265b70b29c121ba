using System.Globalization;

namespace RbpPipeline.Trainer.Data;

/// <summary>
/// The iONMF / iDeep <c>*_matrix_RegionType.tab</c> files: a header naming each of C×L columns by its region type
/// (C contiguous blocks of L equal names), then one tab-separated row of flags per sequence, in FASTA order.
/// The channel order is taken from the header (the published files put <c>intron, ORF, 5UTR, 3UTR, exon</c>,
/// not the order their README lists).
/// </summary>
public static class RegionTypeMatrixReader
{
    public const string DefaultTrackName = "region";

    public static IEnumerable<TrackEntry> Read(string path, string trackName = DefaultTrackName)
    {
        using var source = new LineSource(path);
        if (!source.TryRead(out var headerLine)) throw source.Error(0, "expected a header row of region type names, found an empty file");
        var header = headerLine.Split('\t').Select(h => h.Trim()).ToArray();
        var (channels, length) = ParseBlocks(source, header);
        while (source.TryRead(out var line))
        {
            if (line.Trim().Length == 0) continue;
            var fields = line.Split('\t');
            if (fields.Length != header.Length)
                throw source.Error($"expected {header.Length} values ({channels.Count} region types × {length} positions) as in the header, found {fields.Length}");
            var values = new float[fields.Length];
            for (var i = 0; i < fields.Length; i++)
            {
                if (!float.TryParse(fields[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]) || !float.IsFinite(values[i]))
                    throw source.Error($"expected a number in column {i + 1} ({header[i]}, position {i % length + 1}), found '{FastaLikeReader.Shorten(fields[i])}'");
            }
            yield return new TrackEntry(null, new NumericTrack(trackName, channels, values), path, source.LineNumber);
        }
    }

    private static (IReadOnlyList<string> Channels, int Length) ParseBlocks(LineSource source, string[] header)
    {
        var channels = new List<string>();
        var blockLengths = new List<int>();
        foreach (var name in header)
        {
            if (name.Length == 0) throw source.Error("expected a region type name for every column, found an empty one");
            if (channels.Count > 0 && channels[^1] == name)
            {
                blockLengths[^1]++;
                continue;
            }
            if (channels.Contains(name))
                throw source.Error($"expected the columns of region type '{name}' to be contiguous, found a second block of them");
            channels.Add(name);
            blockLengths.Add(1);
        }
        if (blockLengths.Distinct().Count() != 1)
            throw source.Error($"expected equally long region type blocks, found {string.Join(", ", channels.Select((c, i) => $"{c}×{blockLengths[i]}"))}");
        return (channels, blockLengths[0]);
    }
}
