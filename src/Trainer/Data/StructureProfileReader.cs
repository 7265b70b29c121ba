using System.Globalization;

namespace RbpPipeline.Trainer.Data;

/// <summary>
/// Per-position numeric structure profiles the user computed elsewhere (RNAplfold, CapR, ...), since no folding
/// tool can be installed here. The format is FASTA-like:
/// <code>
/// # channels: paired hairpin internal multi exterior
/// &gt;seq1
/// 0.9 0.8 0.1 ...      (one line per channel, one number per position)
/// 0.0 0.1 0.7 ...
/// </code>
/// The optional <c># channels:</c> line before the first record names the channels; without it they are called
/// <c>structure0</c>, <c>structure1</c>, ... and the first record fixes how many there are. Every record must
/// have the same number of channels, and all its lines the same number of values.
/// </summary>
public static class StructureProfileReader
{
    public const string DefaultTrackName = "structure";
    private const string ChannelsDirective = "# channels:";
    private static readonly char[] Separators = [' ', '\t'];

    public static IEnumerable<TrackEntry> Read(string path, string trackName = DefaultTrackName)
    {
        using var source = new LineSource(path);
        IReadOnlyList<string>? channels = null;
        void OnPreamble(string line)
        {
            if (line.StartsWith(ChannelsDirective, StringComparison.OrdinalIgnoreCase))
            {
                channels = line[ChannelsDirective.Length..].Split(Separators, StringSplitOptions.RemoveEmptyEntries);
                if (channels.Count == 0) throw source.Error("expected channel names after '# channels:', found none");
            }
            else if (!line.StartsWith('#'))
            {
                throw source.Error($"expected '# channels: <names>', a '#' comment or a '>' header, found '{FastaLikeReader.Shorten(line)}'");
            }
        }

        foreach (var entry in FastaLikeReader.Read(source, OnPreamble))
        {
            var count = entry.Body.Count;
            channels ??= Enumerable.Range(0, count).Select(i => $"structure{i}").ToArray();
            if (count != channels.Count)
                throw source.Error(entry.HeaderLine, $"record '{entry.Header}': expected {channels.Count} channel line(s), found {count}");
            var length = -1;
            var values = new List<float>();
            foreach (var (text, line) in entry.Body)
            {
                var fields = text.Split(Separators, StringSplitOptions.RemoveEmptyEntries);
                if (length < 0) length = fields.Length;
                else if (fields.Length != length)
                    throw source.Error(line, $"record '{entry.Header}': expected {length} values as on its first channel line, found {fields.Length}");
                foreach (var field in fields)
                {
                    if (!float.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !float.IsFinite(value))
                        throw source.Error(line, $"record '{entry.Header}': expected a number, found '{FastaLikeReader.Shorten(field)}'");
                    values.Add(value);
                }
            }
            yield return new TrackEntry(entry.Header, new NumericTrack(trackName, channels, [.. values]), path, entry.HeaderLine);
        }
    }
}
