using RbpPipeline.Trainer.Data;

namespace RbpPipeline.Trainer.Tests;

public sealed class TrackReaderTests
{
    // Two region types over 3 positions, blocks in the order "exon", "intron" (not alphabetical, not the README's).
    private const string RegionMatrix = "exon\texon\texon\tintron\tintron\tintron\n1\t1\t0\t0\t0\t1\n0\t0\t0\t1\t1\t1\n";

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Region_matrix_channels_follow_the_header_blocks(bool gzip)
    {
        using var folder = new TempFolder();
        var path = TestFiles.Write(folder, "m_RegionType.tab", RegionMatrix, gzip);

        var entries = RegionTypeMatrixReader.Read(path).ToList();

        Assert.Equal(2, entries.Count);
        var first = Assert.IsType<NumericTrack>(entries[0].Track);
        Assert.Equal(["exon", "intron"], first.Channels);
        Assert.Equal(3, first.Length);
        Assert.Equal([1f, 1f, 0f], first.Channel(0).ToArray());
        Assert.Equal([0f, 0f, 1f], first.Channel(1).ToArray());
        Assert.Equal(1f, ((NumericTrack)entries[1].Track)[1, 2]);
        Assert.Equal(3, entries[1].Line);
    }

    [Theory]
    [InlineData("a\ta\tb\n1\t0\t1\n", 1, "expected equally long region type blocks, found a×2, b×1")]
    [InlineData("a\tb\ta\tb\n1\t0\t1\t0\n", 1, "expected the columns of region type 'a' to be contiguous")]
    [InlineData("a\ta\tb\tb\n1\t0\t1\n", 2, "expected 4 values (2 region types × 2 positions) as in the header, found 3")]
    [InlineData("a\ta\tb\tb\n1\t0\t1\t0\n1\t0\tx\t0\n", 3, "expected a number in column 3 (b, position 1), found 'x'")]
    public void Malformed_region_matrices_fail_at_their_line(string text, int line, string expected)
    {
        using var folder = new TempFolder();
        var path = TestFiles.Write(folder, "m.tab", text);

        var error = Assert.Throws<DataFormatException>(() => RegionTypeMatrixReader.Read(path).ToList());

        Assert.Equal(line, error.Line);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Region_length_mismatch_names_the_record_by_index_and_id()
    {
        using var folder = new TempFolder();
        var fasta = TestFiles.Write(folder, "s.fa", "> a; class:1\nACG\n> b; class:0\nACGU\n");
        var matrix = TestFiles.Write(folder, "m.tab", RegionMatrix);

        var error = Assert.Throws<DataFormatException>(() =>
            RecordJoin.WithTracks(FastaReader.Read(fasta), RegionTypeMatrixReader.Read(matrix)).ToList());

        Assert.Equal(matrix, error.File);
        Assert.Equal(3, error.Line);
        Assert.Contains("record 1 (id 'b'): the 'region' track has 3 positions but the sequence has 4", error.Message);
    }

    [Fact]
    public void Joining_fails_when_counts_differ_either_way()
    {
        using var folder = new TempFolder();
        var threeRecords = TestFiles.Write(folder, "three.fa", "> a; class:1\nACG\n> b; class:0\nACG\n> c; class:0\nACG\n");
        var oneRecord = TestFiles.Write(folder, "one.fa", "> a; class:1\nACG\n");
        var matrix = TestFiles.Write(folder, "m.tab", RegionMatrix);

        var tooFewTracks = Assert.Throws<DataFormatException>(() =>
            RecordJoin.WithTracks(FastaReader.Read(threeRecords), RegionTypeMatrixReader.Read(matrix)).ToList());
        var tooManyTracks = Assert.Throws<DataFormatException>(() =>
            RecordJoin.WithTracks(FastaReader.Read(oneRecord), RegionTypeMatrixReader.Read(matrix)).ToList());

        Assert.Contains("record 2 (id 'c') has no track", tooFewTracks.Message);
        Assert.Equal(3, tooManyTracks.Line);
        Assert.Contains("expected 1 track entries, one per sequence, found more", tooManyTracks.Message);
    }

    [Fact]
    public void Label_table_replaces_labels_row_by_row()
    {
        using var folder = new TempFolder();
        var fasta = TestFiles.Write(folder, "s.fa", ">a\nACG\n>b\nACG\n");
        var labels = TestFiles.Write(folder, "r.tab", "Class\n1\n0\n", gzip: true);

        var records = RecordJoin.WithLabels(FastaReader.Read(fasta, allowUnlabelled: true), LabelTableReader.Read(labels)).ToList();

        Assert.Equal(["Class"], LabelTableReader.ReadTaskNames(labels));
        Assert.Equal([1.0, 0.0], records.Select(r => r.Labels.Single()));
    }

    [Fact]
    public void Structure_profiles_read_named_channels_and_attach_by_id()
    {
        using var folder = new TempFolder();
        var fasta = TestFiles.Write(folder, "s.fa", ">a; class:1\nACGU\n>b; class:0\nAC\nGU\n");
        var profile = TestFiles.Write(folder, "p.txt", """
            # computed with RNAplfold -u 1
            # channels: paired unpaired
            >a
            0.9 0.8 0.1 0
            0.1 0.2 0.9 1
            >b
            0.5 0.5 0.5 0.5
            0.5 0.5 0.5 0.25
            """, gzip: true);

        var records = RecordJoin.WithTracks(FastaReader.Read(fasta), StructureProfileReader.Read(profile)).ToList();

        var track = Assert.IsType<NumericTrack>(records[0].FindTrack("structure"));
        Assert.Equal(["paired", "unpaired"], track.Channels);
        Assert.Equal(0.1f, track[0, 2]);
        Assert.Equal(0.9f, track[1, 2]);
        Assert.Equal(0.25f, ((NumericTrack)records[1].Tracks[0])[1, 3]);
    }

    [Theory]
    [InlineData(">a\n1 2 3\n1 2\n", 3, "record 'a': expected 3 values as on its first channel line, found 2")]
    [InlineData(">a\n1 2\n3 4\n>b\n1 2\n", 4, "record 'b': expected 2 channel line(s), found 1")]
    [InlineData("# channels: p u\n>a\n1 2\n", 2, "expected 2 channel line(s), found 1")]
    [InlineData(">a\n1 oops\n", 2, "expected a number, found 'oops'")]
    [InlineData("channels p u\n>a\n1\n", 1, "expected '# channels: <names>'")]
    public void Malformed_structure_profiles_fail_at_their_line(string text, int line, string expected)
    {
        using var folder = new TempFolder();
        var path = TestFiles.Write(folder, "p.txt", text);

        var error = Assert.Throws<DataFormatException>(() => StructureProfileReader.Read(path).ToList());

        Assert.Equal(line, error.Line);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Structure_profile_length_or_id_mismatch_names_the_record()
    {
        using var folder = new TempFolder();
        var fasta = TestFiles.Write(folder, "s.fa", ">a; class:1\nACGU\n>b; class:0\nACGU\n");
        var shortProfile = TestFiles.Write(folder, "short.txt", ">a\n1 1 1 1\n>b\n1 1 1\n");
        var swapped = TestFiles.Write(folder, "swapped.txt", ">b\n1 1 1 1\n>a\n1 1 1 1\n");

        var length = Assert.Throws<DataFormatException>(() => RecordJoin.WithTracks(FastaReader.Read(fasta), StructureProfileReader.Read(shortProfile)).ToList());
        var order = Assert.Throws<DataFormatException>(() => RecordJoin.WithTracks(FastaReader.Read(fasta), StructureProfileReader.Read(swapped)).ToList());

        Assert.Equal(3, length.Line);
        Assert.Contains("record 1 (id 'b'): the 'structure' track has 3 positions but the sequence has 4", length.Message);
        Assert.Equal(1, order.Line);
        Assert.Contains("record 0 (id 'a'): the track entry here is for id 'b'", order.Message);
        Assert.Equal(2, RecordJoin.WithTracks(FastaReader.Read(fasta), StructureProfileReader.Read(swapped), matchIds: false).Count());
    }

    [Fact]
    public void Shape_strings_are_read_wrapped_and_checked_against_their_alphabet()
    {
        using var folder = new TempFolder();
        var fasta = TestFiles.Write(folder, "s.fa", ">a; class:1\nACGUACGU\n");
        var shapes = TestFiles.Write(folder, "shapes.txt", ">a\nFFSS\nHHTT\n");
        var bad = TestFiles.Write(folder, "bad.txt", ">a\nFFSS\nHX\n");
        var shortShapes = TestFiles.Write(folder, "short.txt", ">a\nFFSSHHT\n");

        var record = Assert.Single(RecordJoin.WithTracks(FastaReader.Read(fasta), ShapeStringReader.Read(shapes)));
        var badError = Assert.Throws<DataFormatException>(() => ShapeStringReader.Read(bad).ToList());
        var lengthError = Assert.Throws<DataFormatException>(() => RecordJoin.WithTracks(FastaReader.Read(fasta), ShapeStringReader.Read(shortShapes)).ToList());

        Assert.Equal("FFSSHHTT", Assert.IsType<SymbolTrack>(record.FindTrack("structure")).Symbols);
        Assert.Equal(3, badError.Line);
        Assert.Contains("found 'X' at column 2", badError.Message);
        Assert.Contains("record 0 (id 'a'): the 'structure' track has 7 positions but the sequence has 8", lengthError.Message);
    }
}
