using System.Text.RegularExpressions;
using RbpPipeline.Interpretation.Backgrounds;
using RbpPipeline.Interpretation.Gia;
using RbpPipeline.Interpretation.Motifs;
using RbpPipeline.Interpretation.Sequences;
using RbpPipeline.Interpretation.Tests.Gia;

namespace RbpPipeline.Interpretation.Tests.Motifs;

public sealed class MotifTests
{
    private static void AssertRows(double[][] expected, Motif motif, double tolerance = 1e-12)
    {
        Assert.Equal(expected.Length, motif.Width);
        for (var i = 0; i < expected.Length; i++)
            for (var b = 0; b < 4; b++)
                Assert.True(Math.Abs(expected[i][b] - motif[i, b]) <= tolerance, $"column {i} base {b}: expected {expected[i][b]}, got {motif[i, b]}");
    }

    [Fact]
    public void KmerAlignmentWeighsAlignedKmersByImportance()
    {
        // By hand: UGUA is the reference (frame columns 3..6 of 10); GUAU aligns at +1, AUGU at −1, UCUA at 0;
        // CCCC has a negative importance and is left out. Column weights: 0.5, 3, 4, 4, 3.5, 1 (columns 2..7); half
        // the heaviest (2) keeps columns 3..6.
        (string, double)[] kmers = [("GUAU", 1.0), ("UGUA", 2.0), ("CCCC", -1.0), ("AUGU", 0.5), ("UCUA", 0.5)];
        var motif = KmerAlignmentMotif.Build(kmers);
        AssertRows([[0, 0, 0, 1], [0, 0.125, 0.875, 0], [0, 0, 0, 1], [1, 0, 0, 0]], motif);
        Assert.Equal(4, motif.Sites);
        Assert.Equal("UGUA", motif.Consensus());

        var wide = KmerAlignmentMotif.Build(kmers, minColumnWeight: 0.2);
        Assert.Equal("UGUAU", wide.Consensus());
        Assert.Equal([0, 0, 0, 1.0], wide.Probabilities[4]);
        var topTwo = KmerAlignmentMotif.Build(kmers, top: 2);
        Assert.Equal(2, topTwo.Sites);
        Assert.Throws<ArgumentException>(() => KmerAlignmentMotif.Build([("CCCC", -1.0)]));
    }

    [Fact]
    public void AlignmentTiesGoToTheSmallerThenTheNegativeShift()
    {
        Assert.Equal(0, KmerAlignmentMotif.BestShift(NucleotideCodes.FromString("AAAA"), NucleotideCodes.FromString("AAAA")));
        // GUAC against ACGU: shifts −2 ("AC") and +2 ("GU") both match two bases.
        Assert.Equal(-2, KmerAlignmentMotif.BestShift(NucleotideCodes.FromString("ACGU"), NucleotideCodes.FromString("GUAC")));
        Assert.Equal(1, KmerAlignmentMotif.BestShift(NucleotideCodes.FromString("UGUAUA"), NucleotideCodes.FromString("GUAUAC")));
        Assert.Equal((-1, 6), AttributionConsensus.Align(NucleotideCodes.FromString("UGUAUAC"), NucleotideCodes.FromString("GUGUAUA"), 2));
    }

    [Fact]
    public async Task KmerScanOfAPlantedMotifAlignsToItsConsensus()
    {
        var random = new Random(21);
        var backgrounds = BackgroundSet.FromStrings([.. Enumerable.Range(0, 100).Select(_ => Oracle.RandomSequence(random, 30))]);
        var gia = new GlobalImportanceAnalysis(new ClosedFormEvaluator(30, Oracle.MotifModel, batchSize: 512), Oracle.RawTarget, backgrounds);
        var scan = await gia.KmerScanAsync(6, 12, TestContext.Current.CancellationToken);
        var motif = KmerAlignmentMotif.Build(scan.Top(10), name: "planted");
        Assert.Equal("UGUAUA", motif.Consensus());
        Assert.Equal(10, motif.Sites);
        Assert.True(motif.InformationContent() > 8, $"information {motif.InformationContent()} bits");
    }

    [Fact]
    public void AttributionConsensusFindsPlantedMotifs()
    {
        // 30 sequences carry UGUAUA and 15 carry ACUAAC at random places; attribution is 1 on the motif's bases and
        // small noise elsewhere, on the actual base's channel only (as gradient × input is for one-hot inputs).
        const int length = 50;
        var random = new Random(22);
        var sequences = new List<byte[]>();
        var maps = new List<float[]>();
        foreach (var (motif, copies) in new[] { ("UGUAUA", 30), ("ACUAAC", 15) })
            for (var s = 0; s < copies; s++)
            {
                var at = random.Next(length - motif.Length + 1);
                var codes = NucleotideCodes.FromString(Oracle.Embed(Oracle.RandomSequence(random, length), motif, at));
                var map = new float[4 * length];
                for (var i = 0; i < length; i++)
                    map[codes[i] * length + i] = i >= at && i < at + motif.Length ? 1f : (float)(random.NextDouble() * 0.2 - 0.1);
                sequences.Add(codes);
                maps.Add(map);
            }

        var found = AttributionConsensus.Find(maps, sequences, new ConsensusOptions { Width = 8 });
        Assert.True(found.Count >= 2, $"{found.Count} motifs");
        Assert.Equal(30, found[0].Motif.Sites);
        Assert.Contains("UGUAUA", found[0].Motif.Consensus());
        Assert.Equal(15, found[1].Motif.Sites);
        Assert.Contains("ACUAAC", found[1].Motif.Consensus());
        Assert.All(found[0].Sites, site => Assert.True(site.Sequence < 30));
        Assert.Equal("attribution_motif_1", found[0].Motif.Name);

        // With windows as wide as the motif nothing random is left to trim.
        var exact = AttributionConsensus.Find(maps, sequences, new ConsensusOptions { Width = 6, MinColumnInformation = 0 });
        Assert.Equal("UGUAUA", exact[0].Motif.Consensus());
        Assert.Equal(2.0 * 6, exact[0].Motif.InformationContent(), 1e-9);
    }

    [Fact]
    public void ConsensusAndInformationFollowTheirDefinitions()
    {
        var motif = new Motif("m", [[1, 0, 0, 0], [0.25, 0.25, 0.25, 0.25], [0.5, 0.5, 0, 0], [0.1, 0.1, 0.7, 0.1], [2, 0, 0, 6]], 7);
        Assert.Equal("AAAGU", motif.Consensus());
        Assert.Equal("ANMGU", motif.Consensus(iupac: true));
        var information = motif.ColumnInformation();
        Assert.Equal(2, information[0], 1e-12);
        Assert.Equal(0, information[1], 1e-12);
        Assert.Equal(1, information[2], 1e-12);
        Assert.Equal(2 + 0.7 * Math.Log2(0.7) + 0.3 * Math.Log2(0.1), information[3], 1e-12);
        Assert.Equal([0.25, 0, 0, 0.75], motif.Probabilities[4]);
        Assert.Equal(information.Sum(), motif.InformationContent(), 1e-12);
        Assert.Throws<ArgumentException>(() => new Motif("bad", [[1, 0, 0]], 1));
    }

    [Fact]
    public void MemeFilesFollowTheMinimalFormatAndReadBack()
    {
        Motif[] motifs =
        [
            new("UGUAUA_gia", [[0.05, 0.05, 0.05, 0.85], [0.1, 0.1, 0.7, 0.1], [0, 0, 0, 1], [0.9, 0, 0.1, 0], [1.0 / 3, 1.0 / 3, 1.0 / 3, 0]], 42),
            new("second", [[0.25, 0.25, 0.25, 0.25]], 0),
        ];
        var text = MemeFormat.Write(motifs, [0.3, 0.2, 0.2, 0.3]);
        var lines = text.Split('\n');
        Assert.Equal("MEME version 4", lines[0]);
        Assert.Equal("", lines[1]);
        Assert.Contains("ALPHABET= ACGU", lines);
        Assert.Contains("strands: +", lines);
        var background = Array.IndexOf(lines, "Background letter frequencies");
        Assert.True(background > 0);
        Assert.Equal("A 0.300000 C 0.200000 G 0.200000 U 0.300000", lines[background + 1]);
        var motifLine = Array.IndexOf(lines, "MOTIF UGUAUA_gia");
        var header = Regex.Match(lines[motifLine + 1], @"^letter-probability matrix: alength= 4 w= (\d+) nsites= (\d+) E= 0$");
        Assert.True(header.Success, lines[motifLine + 1]);
        Assert.Equal("5", header.Groups[1].Value);
        Assert.Equal("42", header.Groups[2].Value);
        for (var i = 0; i < 5; i++)
        {
            var values = lines[motifLine + 2 + i].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(double.Parse).ToArray();
            Assert.Equal(4, values.Length);
            Assert.Equal(1, values.Sum(), 1e-5);
        }

        var read = MemeFormat.Read(text);
        Assert.Equal("4", read.Version);
        Assert.Equal("ACGU", read.Alphabet);
        Assert.Equal([0.3, 0.2, 0.2, 0.3], read.Background);
        Assert.Equal(2, read.Motifs.Count);
        for (var m = 0; m < motifs.Length; m++)
        {
            Assert.Equal(motifs[m].Name, read.Motifs[m].Name);
            Assert.Equal(motifs[m].Sites, read.Motifs[m].Sites);
            AssertRows([.. motifs[m].Probabilities.Select(r => r.ToArray())], read.Motifs[m], 1e-6);
        }
        // Written again, the text is identical.
        Assert.Equal(text, MemeFormat.Write(read.Motifs, read.Background));
        Assert.Throws<ArgumentException>(() => MemeFormat.Write([new Motif("has space", [[1, 0, 0, 0]], 1)]));
    }

    [Fact]
    public void MemeReaderAcceptsFilesFromOtherTools()
    {
        // Written by hand from the format description: DNA letters, a background source note, an alternative
        // name, a URL line, a scientific-notation E-value and extra spacing.
        const string text = """
            MEME version 5.5.4

            ALPHABET= ACGT

            strands: + -

            Background letter frequencies (from uniform background):
            A 0.25000 C 0.25000 G 0.25000 T 0.25000

            MOTIF M1 PUM2_like
            letter-probability matrix: alength= 4 w= 2 nsites= 17 E= 1.3e-005
              0.000000  0.000000  0.000000  1.000000
              0.100000  0.200000  0.300000  0.400000
            URL http://example.org/M1

            MOTIF M2
            letter-probability matrix: alength= 4 w= 1
            1 0 0 0
            """;
        var file = MemeFormat.Read(text);
        Assert.Equal("5.5.4", file.Version);
        Assert.Equal(2, file.Motifs.Count);
        Assert.Equal("M1", file.Motifs[0].Name);
        Assert.Equal(17, file.Motifs[0].Sites);
        Assert.Equal("UU", file.Motifs[0].Consensus());
        Assert.Equal(0.3, file.Motifs[0][1, 2], 1e-12);
        Assert.Equal(0, file.Motifs[1].Sites);
        Assert.Throws<FormatException>(() => MemeFormat.Read("MOTIF X\n"));
        Assert.Throws<FormatException>(() => MemeFormat.Read("MEME version 4\n\nMOTIF X\nletter-probability matrix: alength= 4 w= 2\n1 0 0 0\n"));
    }
}
