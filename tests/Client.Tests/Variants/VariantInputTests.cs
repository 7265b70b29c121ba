using RbpPipeline.Client.Variants;

namespace RbpPipeline.Client.Tests.Variants;

/// <summary>The FASTA index, the VCF reader and the window rules, without a server.</summary>
public sealed class VariantInputTests : IDisposable
{
    private readonly VariantTestData _data = new();

    [Fact]
    public void FaiIsBuiltInSamtoolsFormatAndReused()
    {
        var fai = IndexedFasta.IndexPath(_data.FastaPath);
        Assert.False(File.Exists(fai));
        using (var genome = IndexedFasta.Open(_data.FastaPath))
        {
            Assert.True(genome.IndexBuilt);
            // ">chr1 synthetic\n" is 16 bytes; 300 bases in lines of 60 take 5 lines of 61 bytes; chr2 is one line of 50 (as samtools: 50, 51).
            Assert.Equal(["chr1\t300\t16\t60\t61", "chr2\t50\t337\t50\t51"], File.ReadAllLines(fai));
        }
        var written = File.GetLastWriteTimeUtc(fai);
        using (var again = IndexedFasta.Open(_data.FastaPath))
        {
            Assert.False(again.IndexBuilt);
            Assert.Equal(_data.Chr1.ToUpperInvariant(), again.Fetch("chr1", 0, 300));
            Assert.Equal(_data.Chr1.ToUpperInvariant()[55..125], again.Fetch("chr1", 55, 125)); // across line ends
            Assert.Equal("NN" + _data.Chr1.ToUpperInvariant()[..3], again.Fetch("chr1", -2, 3));
            Assert.Equal(_data.Chr2[45..] + "NNN", again.Fetch("chr2", 45, 53));
        }
        Assert.Equal(written, File.GetLastWriteTimeUtc(fai));
    }

    [Fact]
    public void FastaWithRaggedLinesIsRejected()
    {
        var path = _data.PathOf("ragged.fa");
        File.WriteAllText(path, ">a\nACGT\nAC\nACGT\n");
        var e = Assert.Throws<FormatException>(() => IndexedFasta.Open(path));
        Assert.Contains("ragged.fa:4", e.Message);
    }

    [Fact]
    public void WindowsCentreEachAlleleAndPadWithN()
    {
        var path = _data.PathOf("small.fa");
        VariantTestData.WriteFasta(path, [("chrT", "ACGTACGTAC")], width: 4);
        using var genome = IndexedFasta.Open(path);
        Assert.Equal(new VariantWindow("GTACGT", "GTGCGT"), VariantWindows.For(genome, "chrT", 5, "A", "G", 6));     // SNV
        Assert.Equal(new VariantWindow("GTACGT", "GTAGTA"), VariantWindows.For(genome, "chrT", 5, "AC", "A", 6));    // deletion
        Assert.Equal(new VariantWindow("GTACGT", "TATTTC"), VariantWindows.For(genome, "chrT", 5, "A", "ATTT", 6));  // insertion
        Assert.Equal("AAACCC", VariantWindows.For(genome, "chrT", 5, "A", "AAAACCCC", 6).Alt);                         // allele longer than L
        Assert.Equal(new VariantWindow("NNACGT", "NNGCGT"), VariantWindows.For(genome, "chrT", 1, "A", "G", 6));     // chromosome start
        Assert.Equal(new VariantWindow("TACNNN", "TAGNNN"), VariantWindows.For(genome, "chrT", 10, "C", "G", 6));    // chromosome end
        Assert.Equal(new VariantWindow("CGTACGT", "CGTGCGT"), VariantWindows.For(genome, "chrT", 5, "A", "g", 7));   // odd L, lower case
    }

    [Fact]
    public void ChromosomeNamesMismatchIsAnErrorNamingBothFormsUnlessMapped()
    {
        using var genome = IndexedFasta.Open(_data.FastaPath);
        var e = Assert.Throws<FormatException>(() => VariantWindows.MapChromosome(genome, "1", ChromosomeNaming.AsIs, "calls.vcf:5"));
        Assert.Contains("calls.vcf:5", e.Message);
        Assert.Contains("'1'", e.Message);
        Assert.Contains("'chr1'", e.Message);
        Assert.Contains("--chrom-names add-chr", e.Message);
        Assert.Equal("chr1", VariantWindows.MapChromosome(genome, "1", ChromosomeNaming.AddChr, "x"));
        Assert.Equal("chr1", VariantWindows.MapChromosome(genome, "chr1", ChromosomeNaming.AsIs, "x"));
        Assert.Contains("'chr9'", Assert.Throws<FormatException>(() => VariantWindows.MapChromosome(genome, "chr9", ChromosomeNaming.AsIs, "x")).Message);
    }

    [Fact]
    public void VcfReaderSplitsAllelesCountsSkipsAndReadsGzip()
    {
        foreach (var gzip in new[] { false, true })
        {
            var path = _data.WriteVcf(gzip ? "calls.vcf.bgz" : "calls.txt", gzip: gzip); // format by magic bytes, not name
            using var reader = new VcfReader(path);
            Assert.Equal(4, reader.HeaderLines.Count);
            var skipped = new List<(string Reason, string Id)>();
            var variants = reader.ReadVariants((reason, v) => skipped.Add((reason, v.Id))).ToList();
            Assert.Equal(["near_start", "destroy", "destroy", "create", "ref_mismatch", "minus", "deletion", "insertion", "neutral", "near_n"], variants.Select(v => v.Id));
            Assert.Equal(["T", "G"], variants.Where(v => v.Id == "destroy").Select(v => v.Alt));
            Assert.Equal([(SkipReasons.Symbolic, "symbolic"), (SkipReasons.Breakend, "breakend"), (SkipReasons.Star, "star")], skipped);
            Assert.Equal(16, reader.RecordsRead + 4);
        }
    }

    [Fact]
    public void VcfErrorsNameFileAndLine()
    {
        var path = _data.PathOf("bad.vcf");
        File.WriteAllText(path, "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\nchr1\t10\t.\tA\tC\t.\t.\t.\nchr1\tten\t.\tA\tC\t.\t.\t.\n");
        using var reader = new VcfReader(path);
        Assert.NotNull(reader.Read());
        var e = Assert.Throws<FormatException>(() => reader.Read());
        Assert.Contains("bad.vcf:4", e.Message);
        Assert.Contains("POS", e.Message);
        var notVcf = _data.PathOf("not.vcf");
        File.WriteAllText(notVcf, "chr1\t10\n");
        Assert.Contains("not.vcf:1", Assert.Throws<FormatException>(() => new VcfReader(notVcf)).Message);
    }

    public void Dispose() => _data.Dispose();
}
