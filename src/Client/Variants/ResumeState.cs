using System.Text;

namespace RbpPipeline.Client.Variants;

/// <summary>
/// Where a resumed run continues. Outputs are written in input order, a variant's rows together, and every
/// written variant has the same number of rows R (<see cref="VariantOutput.RowsPerVariant"/>). Resume drops a
/// partial last line, then any incomplete trailing group of the last variant (fewer than R rows), and continues
/// after the <see cref="Occurrences"/>-th input variant whose key (chrom, pos, id, ref, alt) is <see cref="LastKey"/>
/// (identical keys always score and filter alike, so counting them is exact).
/// </summary>
public sealed record ResumeState(bool WriteHeader, string? LastKey, long Occurrences, long RowsKept, long BytesTruncated)
{
    public static ResumeState Fresh { get; } = new(true, null, 0, 0, 0);

    /// <summary>Inspects (and truncates) an existing output so that appending continues it.</summary>
    /// <param name="models">For TSV outputs, the "model\tversion" pairs this run writes: rows of others are refused.</param>
    public static ResumeState Prepare(string path, IReadOnlyList<string> header, int rowsPerVariant, IReadOnlySet<string>? models = null)
    {
        if (!File.Exists(path)) return Fresh;
        long truncated = 0;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
        {
            // 1. A partial last line (crash in the middle of a write) is cut off.
            var end = stream.Length;
            var buffer = new byte[4096];
            var cut = 0L;
            while (end > 0)
            {
                var n = (int)Math.Min(buffer.Length, end);
                stream.Position = end - n;
                stream.ReadExactly(buffer, 0, n);
                var i = Array.LastIndexOf(buffer, (byte)'\n', n - 1, n);
                if (i >= 0) { cut = end - n + i + 1; break; }
                end -= n;
            }
            truncated = stream.Length - cut;
            stream.SetLength(cut);
        }

        var scan = Scan(path, header, models);
        if (scan is null) { File.WriteAllBytes(path, []); return Fresh with { BytesTruncated = truncated }; } // header incomplete: start over
        var (lastKey, total, trailing, rows) = scan.Value;
        if (lastKey is null) return new ResumeState(false, null, 0, 0, truncated);
        var partial = (int)(total % rowsPerVariant);
        if (partial > 0)
        {
            if (trailing.Count < partial) throw new FormatException($"{path}: variant '{lastKey.Replace('\t', ' ')}' has rows that are not together; the file was not written by this command with the same models");
            var offset = trailing[^partial];
            using (var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
            {
                truncated += stream.Length - offset;
                stream.SetLength(offset);
            }
            scan = Scan(path, header, models);
            (lastKey, total, _, rows) = scan!.Value;
            if (lastKey is null) return new ResumeState(false, null, 0, 0, truncated);
            if (total % rowsPerVariant != 0)
                throw new FormatException($"{path}: the rows of variant '{lastKey.Replace('\t', ' ')}' do not come in groups of {rowsPerVariant}; the file was not written by this command with the same models");
        }
        return new ResumeState(false, lastKey, total / rowsPerVariant, rows, truncated);
    }

    /// <summary>
    /// Checks the header; returns null when the file ends inside the header. Else the last data line's key, how many
    /// data lines have that key, the start offsets of the trailing run of lines with that key, and the data line count.
    /// </summary>
    private static (string? LastKey, long Total, List<long> Trailing, long Rows)? Scan(string path, IReadOnlyList<string> header, IReadOnlySet<string>? models)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        using var reader = new StreamReader(stream, new UTF8Encoding(false), false, 1 << 16);
        long offset = 0;
        for (var h = 0; h < header.Count; h++)
        {
            var line = reader.ReadLine();
            if (line is null) return null;
            if (line != header[h])
                throw new FormatException($"{path}: line {h + 1} differs from the header this run writes ('{line}' vs '{header[h]}'); " +
                    "the output was written with other models or another VCF: remove it or run without --resume");
            offset += Encoding.UTF8.GetByteCount(line) + 1;
        }
        string? lastKey = null;
        long total = 0, rows = 0;
        var trailing = new List<long>();
        while (reader.ReadLine() is { } line)
        {
            var key = KeyOf(line);
            if (key is null) throw new FormatException($"{path}:{header.Count + rows + 1}: fewer than 5 columns");
            if (models is not null && !models.Contains(ModelOf(line, key.Length)))
                throw new FormatException($"{path}:{header.Count + rows + 1}: written for model '{ModelOf(line, key.Length).Replace('\t', ':')}', which this run does not score; " +
                    "remove the output or run without --resume");
            if (key != lastKey) { trailing.Clear(); lastKey = key; total = 0; }
            trailing.Add(offset);
            total++;
            rows++;
            offset += Encoding.UTF8.GetByteCount(line) + 1;
        }
        // Count every occurrence of the last key, not only the trailing run.
        if (lastKey is not null)
        {
            total = 0;
            stream.Position = 0;
            using var again = new StreamReader(stream, new UTF8Encoding(false), false, 1 << 16, leaveOpen: true);
            for (var h = 0; h < header.Count; h++) again.ReadLine();
            while (again.ReadLine() is { } line)
                if (KeyOf(line) == lastKey) total++;
        }
        return (lastKey, total, trailing, rows);
    }

    private static string ModelOf(string line, int keyLength)
    {
        var columns = line[(keyLength + 1)..].Split('\t', 3);
        return columns.Length < 2 ? "" : columns[0] + "\t" + columns[1];
    }

    private static string? KeyOf(string line)
    {
        var end = -1;
        for (var i = 0; i < 5; i++)
        {
            end = line.IndexOf('\t', end + 1);
            if (end < 0) return null;
        }
        return line[..end];
    }
}
