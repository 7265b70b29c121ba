using System.IO.Compression;
using System.Text;

namespace RbpPipeline.TestSupport;

/// <summary>A synthetic genome with planted motif sites and a VCF of variants around them.</summary>
public sealed class VariantTestData : IDisposable
{
    public VariantTestData()
    {
        Folder = Path.Combine(Path.GetTempPath(), $"rbp-variants-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Folder);
        Chr1 = BuildChr1();
        Chr2 = new string('A', 20) + "NNNNN" + "CATCATCATCATCATCATCATCAT" + "G";
        WriteFasta(FastaPath, [("chr1", Chr1), ("chr2", Chr2)]);
    }

    public string Folder { get; }

    public string Chr1 { get; }

    public string Chr2 { get; }

    public string FastaPath => Path.Combine(Folder, "genome.fa");

    public string PathOf(string name) => Path.Combine(Folder, name);

    /// <summary>300 random bases free of GGAC and GTCC (either strand), the first 30 soft-masked, with planted sites.</summary>
    private static string BuildChr1()
    {
        var random = new Random(7);
        var s = new StringBuilder();
        while (s.Length < 300)
        {
            var c = "ACGT"[random.Next(4)];
            s.Append(c);
            if (s.Length >= 4 && s.ToString(s.Length - 4, 4) is "GGAC" or "GTCC") s.Length--;
        }
        void Plant(int at, string text) { s.Remove(at, text.Length); s.Insert(at, text); }
        Plant(40, "GGAC");   // destroyed by SNV 43 A>T (and A>G)
        Plant(80, "GGCC");   // created by SNV 83 C>A
        Plant(120, "GTCA");  // SNV 124 A>C makes GTCC: GGAC on the minus strand
        Plant(160, "GGTAC"); // deletion 162 GT>G makes GGAC
        Plant(200, "GGAC");  // insertion 202 G>GT makes GGTAC
        var text = s.ToString();
        var lower = text[..30].ToLowerInvariant() + text[30..];
        return lower;
    }

    public static int Occurrences(string sequence, string motif)
    {
        var n = 0;
        for (var i = sequence.IndexOf(motif, StringComparison.OrdinalIgnoreCase); i >= 0; i = sequence.IndexOf(motif, i + 1, StringComparison.OrdinalIgnoreCase)) n++;
        return n;
    }

    public static void WriteFasta(string path, IEnumerable<(string Name, string Sequence)> records, int width = 60)
    {
        var text = new StringBuilder();
        foreach (var (name, sequence) in records)
        {
            text.Append('>').Append(name).Append(" synthetic\n");
            for (var i = 0; i < sequence.Length; i += width) text.Append(sequence.AsSpan(i, Math.Min(width, sequence.Length - i))).Append('\n');
        }
        File.WriteAllText(path, text.ToString());
    }

    public char Base1(int pos) => char.ToUpperInvariant(Chr1[pos - 1]);

    /// <summary>The standard test VCF (see the test for what each record checks); chromosome names prefixed by <paramref name="prefix"/>.</summary>
    public string WriteVcf(string name, string prefix = "chr", bool gzip = false)
    {
        var neutralAlt = Base1(251) == 'A' ? "C" : "A";
        var wrongRef = Base1(100) == 'A' ? "C" : "A";
        var lines = new List<string>
        {
            "##fileformat=VCFv4.2",
            $"##contig=<ID={prefix}1,length=300>",
            "##INFO=<ID=DP,Number=1,Type=Integer,Description=\"Depth\">",
            "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1",
            $"{prefix}1\t2\tnear_start\t{Base1(2)}\t{(Base1(2) == 'A' ? "C" : "A")}\t.\tPASS\tDP=5\tGT\t0/1",
            $"{prefix}1\t43\tdestroy\tA\tT,G\t50\tPASS\tDP=10\tGT\t1/2",
            $"{prefix}1\t83\tcreate\tC\tA\t.\t.\t.\tGT\t0/1",
            $"{prefix}1\t100\tref_mismatch\t{wrongRef}\tT\t.\t.\t.\tGT\t0/1",
            $"{prefix}1\t124\tminus\tA\tC\t.\t.\t.\tGT\t0/1",
            $"{prefix}1\t130\tsymbolic\t{Base1(130)}\t<DEL>\t.\t.\tSVTYPE=DEL\tGT\t0/1",
            $"{prefix}1\t131\tbreakend\t{Base1(131)}\t{Base1(131)}]chr2:10]\t.\t.\tSVTYPE=BND\tGT\t0/1",
            $"{prefix}1\t140\tstar\t{Base1(140)}\t*\t.\t.\t.\tGT\t0/1",
            $"{prefix}1\t162\tdeletion\tGT\tG\t.\t.\t.\tGT\t0/1",
            $"{prefix}1\t202\tinsertion\tG\tGT\t.\t.\t.\tGT\t0/1",
            $"{prefix}1\t251\tneutral\t{Base1(251)}\t{neutralAlt}\t.\t.\t.\tGT\t0/1",
            $"{prefix}2\t27\tnear_n\t{char.ToUpperInvariant(Chr2[26])}\tG\t.\t.\t.\tGT\t0/1",
        };
        var path = PathOf(name);
        var bytes = Encoding.UTF8.GetBytes(string.Join('\n', lines) + "\n");
        if (gzip)
        {
            using var file = File.Create(path);
            using var z = new GZipStream(file, CompressionLevel.Optimal);
            z.Write(bytes);
        }
        else File.WriteAllBytes(path, bytes);
        return path;
    }

    public void Dispose()
    {
        try { Directory.Delete(Folder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
