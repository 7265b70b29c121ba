using System.IO.Compression;
using System.Text;

namespace RbpPipeline.Client.Variants;

/// <summary>One VCF data line, as read (ALT alleles not yet split).</summary>
public sealed record VcfRecord(string Chrom, long Pos, string Id, string Ref, IReadOnlyList<string> Alts, long LineNumber, string Line)
{
    /// <summary>The tab-separated columns of <see cref="Line"/>.</summary>
    public string[] Columns() => Line.Split('\t');
}

/// <summary>One REF/ALT pair of a record (multi-allelic records give one per ALT).</summary>
public sealed record Variant(string Chrom, long Pos, string Id, string Ref, string Alt, long LineNumber, VcfRecord Record)
{
    /// <summary>The identity used by resume: the first five output columns.</summary>
    public string Key => $"{Chrom}\t{Pos}\t{Id}\t{Ref}\t{Alt}";
}

/// <summary>The reason an allele was not scored (counted in the summary).</summary>
public static class SkipReasons
{
    public const string Symbolic = "symbolic ALT (<...>)";
    public const string Breakend = "breakend ALT";
    public const string Star = "spanning deletion ALT (*)";
    public const string NoAlt = "no ALT (.)";
    public const string RefMismatch = "REF does not match the genome";
    public const string InvalidAllele = "allele with characters other than ACGTN";
}

/// <summary>
/// Streams a VCF 4.x file (plain or gzip/bgzip, recognised by its magic bytes, not its name) record by record.
/// Header lines are kept (<see cref="HeaderLines"/>, read when the reader opens); errors name the file and line.
/// </summary>
public sealed class VcfReader : IDisposable
{
    private readonly Stream _file;
    private readonly StreamReader _reader;
    private string? _pending;
    private long _line;

    public VcfReader(string path)
    {
        Path = path;
        _file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        Span<byte> magic = stackalloc byte[2];
        var n = _file.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
        _file.Position = 0;
        Stream text = n == 2 && magic[0] == 0x1f && magic[1] == 0x8b ? new GZipStream(_file, CompressionMode.Decompress) : _file;
        _reader = new StreamReader(text, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, 1 << 16);
        var header = new List<string>();
        while (_reader.ReadLine() is { } line)
        {
            _line++;
            if (line.StartsWith("##", StringComparison.Ordinal)) { header.Add(line); continue; }
            if (line.StartsWith("#CHROM", StringComparison.Ordinal)) { header.Add(line); break; }
            if (line.Length == 0) continue;
            if (line.StartsWith('#')) throw Error(_line, $"unexpected header line '{Truncate(line)}'");
            _pending = line; // a file without a #CHROM line: accepted, records start here
            break;
        }
        if (header.Count == 0 || !header[0].StartsWith("##fileformat=VCF", StringComparison.Ordinal))
            throw Error(1, "not a VCF file: the first line must be ##fileformat=VCFv4.x");
        HeaderLines = header;
    }

    public string Path { get; }

    /// <summary>The meta lines and the #CHROM line, in file order.</summary>
    public IReadOnlyList<string> HeaderLines { get; }

    /// <summary>Bytes of the file consumed so far (compressed bytes for gzip input), for progress and ETA.</summary>
    public long BytesRead => _file.Position;

    public long FileLength => _file.Length;

    /// <summary>Data lines read so far.</summary>
    public long RecordsRead { get; private set; }

    /// <summary>The next record, or null at the end.</summary>
    public VcfRecord? Read()
    {
        while (true)
        {
            string? line;
            if (_pending is not null) { line = _pending; _pending = null; }
            else { line = _reader.ReadLine(); if (line is null) return null; _line++; }
            if (line.Length == 0) continue;
            if (line.StartsWith('#')) throw Error(_line, "header line after the first record");
            RecordsRead++;
            return Parse(line, _line);
        }
    }

    /// <summary>Every record's ALT alleles as variants; <paramref name="skipped"/> counts those that cannot be scored.</summary>
    public IEnumerable<Variant> ReadVariants(Action<string, Variant> skipped)
    {
        while (Read() is { } record)
        {
            foreach (var alt in record.Alts)
            {
                var variant = new Variant(record.Chrom, record.Pos, record.Id, record.Ref, alt, record.LineNumber, record);
                if (ClassifyAlt(alt) is { } reason) { skipped(reason, variant); continue; }
                if (!IsPlainAllele(record.Ref)) { skipped(SkipReasons.InvalidAllele, variant); continue; }
                yield return variant;
            }
        }
    }

    /// <summary>Why an ALT allele cannot be scored as a sequence change, or null when it can.</summary>
    public static string? ClassifyAlt(string alt)
    {
        if (alt == ".") return SkipReasons.NoAlt;
        if (alt == "*") return SkipReasons.Star;
        if (alt.StartsWith('<')) return SkipReasons.Symbolic;
        if (alt.Contains('[') || alt.Contains(']') || alt.StartsWith('.') || alt.EndsWith('.')) return SkipReasons.Breakend;
        if (!IsPlainAllele(alt)) return SkipReasons.InvalidAllele;
        return null;
    }

    private static bool IsPlainAllele(string allele)
    {
        foreach (var c in allele)
            if ("ACGTNacgtn".IndexOf(c) < 0) return false;
        return allele.Length > 0;
    }

    private VcfRecord Parse(string line, long number)
    {
        var columns = line.Split('\t', 9);
        if (columns.Length < 8) throw Error(number, $"expected at least 8 tab-separated columns, found {columns.Length}");
        if (!long.TryParse(columns[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var pos) || pos < 1)
            throw Error(number, $"POS '{Truncate(columns[1])}' is not a positive integer");
        if (columns[0].Length == 0) throw Error(number, "empty CHROM");
        if (columns[3].Length == 0 || columns[3] == ".") throw Error(number, "empty REF");
        if (columns[4].Length == 0) throw Error(number, "empty ALT");
        return new VcfRecord(columns[0], pos, columns[2], columns[3], columns[4].Split(','), number, line);
    }

    private FormatException Error(long line, string message) => new($"{Path}:{line}: {message}");

    private static string Truncate(string s) => s.Length <= 40 ? s : s[..40] + "…";

    public void Dispose()
    {
        _reader.Dispose();
        _file.Dispose();
    }
}
