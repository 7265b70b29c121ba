using System.Globalization;
using System.Text;
using Microsoft.Win32.SafeHandles;
using RbpPipeline.Contracts.Storage;

namespace RbpPipeline.Client.Variants;

/// <summary>One line of a samtools .fai index.</summary>
public sealed record FaiEntry(string Name, long Length, long Offset, int LineBases, int LineWidth);

/// <summary>
/// Random access to an uncompressed FASTA through its samtools-style <c>.fai</c> index (name, length, offset,
/// linebases, linewidth). A missing or older index is built by one pass over the file and saved atomically next to it.
/// Only the bytes a fetch needs are read; the genome is never held in memory.
/// </summary>
public sealed class IndexedFasta : IDisposable
{
    private readonly SafeFileHandle _handle;
    private readonly Dictionary<string, FaiEntry> _entries;

    private IndexedFasta(string path, IReadOnlyList<FaiEntry> entries, bool indexBuilt)
    {
        Path = path;
        Entries = entries;
        IndexBuilt = indexBuilt;
        _entries = entries.ToDictionary(e => e.Name, StringComparer.Ordinal);
        _handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
    }

    public string Path { get; }

    public IReadOnlyList<FaiEntry> Entries { get; }

    /// <summary>Whether <see cref="Open"/> had to build (and save) the index.</summary>
    public bool IndexBuilt { get; }

    public static string IndexPath(string fastaPath) => fastaPath + ".fai";

    /// <summary>Opens <paramref name="path"/>, building <c>path.fai</c> when it is missing or older than the FASTA.</summary>
    public static IndexedFasta Open(string path)
    {
        using (var probe = File.OpenRead(path))
        {
            if (probe.ReadByte() == 0x1f) throw new FormatException($"{path}: compressed FASTA is not supported; decompress it (gunzip) first");
        }
        var fai = IndexPath(path);
        var built = false;
        List<FaiEntry> entries;
        if (File.Exists(fai) && File.GetLastWriteTimeUtc(fai) >= File.GetLastWriteTimeUtc(path))
            entries = ReadIndex(fai);
        else
        {
            entries = BuildIndex(path);
            AtomicFile.WriteAllText(fai, string.Concat(entries.Select(e =>
                string.Create(CultureInfo.InvariantCulture, $"{e.Name}\t{e.Length}\t{e.Offset}\t{e.LineBases}\t{e.LineWidth}\n"))));
            built = true;
        }
        return new IndexedFasta(path, entries, built);
    }

    public bool Contains(string name) => _entries.ContainsKey(name);

    public long LengthOf(string name) => _entries[name].Length;

    /// <summary>
    /// Bases [start, end) (0-based, half-open) of <paramref name="name"/>, upper case; positions outside the
    /// sequence read as N.
    /// </summary>
    public string Fetch(string name, long start, long end)
    {
        var e = _entries[name];
        var result = new char[end - start];
        Array.Fill(result, 'N');
        var from = Math.Max(start, 0);
        var to = Math.Min(end, e.Length);
        if (from >= to) return new string(result);
        var firstByte = ByteOffset(e, from);
        var lastByte = ByteOffset(e, to - 1);
        var buffer = new byte[lastByte - firstByte + 1];
        var read = RandomAccess.Read(_handle, buffer, firstByte);
        if (read < buffer.Length) throw new IOException($"{Path}: unexpected end of file reading {name}:{from + 1}-{to}; is the .fai index stale?");
        var j = (int)(from - start);
        foreach (var b in buffer)
        {
            if (b == (byte)'\n' || b == (byte)'\r') continue;
            if (j >= result.Length) break;
            result[j++] = char.ToUpperInvariant((char)b);
        }
        return new string(result);
    }

    private static long ByteOffset(FaiEntry e, long position) =>
        e.Offset + position / e.LineBases * e.LineWidth + position % e.LineBases;

    private static List<FaiEntry> ReadIndex(string fai)
    {
        var entries = new List<FaiEntry>();
        var number = 0;
        foreach (var line in File.ReadLines(fai))
        {
            number++;
            if (line.Length == 0) continue;
            var c = line.Split('\t');
            if (c.Length < 5
                || !long.TryParse(c[1], CultureInfo.InvariantCulture, out var length)
                || !long.TryParse(c[2], CultureInfo.InvariantCulture, out var offset)
                || !int.TryParse(c[3], CultureInfo.InvariantCulture, out var bases)
                || !int.TryParse(c[4], CultureInfo.InvariantCulture, out var width) || bases <= 0 || width < bases)
                throw new FormatException($"{fai}:{number}: not a .fai line (name, length, offset, linebases, linewidth)");
            entries.Add(new FaiEntry(c[0], length, offset, bases, width));
        }
        return entries;
    }

    /// <summary>One streaming pass: every sequence's lines except its last must have the same length (as samtools requires).</summary>
    public static List<FaiEntry> BuildIndex(string path)
    {
        var entries = new List<FaiEntry>();
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        string? name = null;
        long length = 0, offset = 0, position = 0, lineNumber = 0;
        int lineBases = 0, lineWidth = 0;
        var shortLineSeen = false;
        var names = new HashSet<string>(StringComparer.Ordinal);
        var line = new List<byte>(256);
        var atEnd = false;
        while (!atEnd)
        {
            line.Clear();
            int b;
            while ((b = stream.ReadByte()) >= 0 && b != '\n') line.Add((byte)b);
            atEnd = b < 0;
            if (atEnd && line.Count == 0) break;
            lineNumber++;
            var width = line.Count + (atEnd ? 0 : 1);
            var bases = line.Count > 0 && line[^1] == '\r' ? line.Count - 1 : line.Count;
            if (line.Count > 0 && line[0] == '>')
            {
                Finish();
                var header = Encoding.UTF8.GetString(line.ToArray(), 1, bases - 1);
                name = header.Split([' ', '\t'], 2)[0];
                if (name.Length == 0) throw new FormatException($"{path}:{lineNumber}: empty sequence name");
                if (!names.Add(name)) throw new FormatException($"{path}:{lineNumber}: duplicate sequence name '{name}'");
                position += width;
                offset = position;
                length = 0; lineBases = 0; lineWidth = 0; shortLineSeen = false;
                continue;
            }
            if (name is null)
            {
                if (bases == 0) { position += width; continue; }
                throw new FormatException($"{path}:{lineNumber}: sequence data before the first '>' header");
            }
            if (bases == 0) { shortLineSeen = true; position += width; continue; }
            if (lineBases == 0) { lineBases = bases; lineWidth = width; }
            else if (shortLineSeen || bases > lineBases)
                throw new FormatException($"{path}:{lineNumber}: sequence '{name}' has lines of different lengths; reformat it (e.g. samtools faidx needs equal line lengths)");
            if (bases < lineBases) shortLineSeen = true;
            length += bases;
            position += width;
        }
        Finish();
        return entries;

        void Finish()
        {
            if (name is null) return;
            entries.Add(new FaiEntry(name, length, offset, lineBases == 0 ? 1 : lineBases, lineWidth == 0 ? 1 : lineWidth));
        }
    }

    public void Dispose() => _handle.Dispose();
}
