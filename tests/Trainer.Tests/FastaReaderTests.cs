using RbpPipeline.Trainer.Data;

namespace RbpPipeline.Trainer.Tests;

public sealed class FastaReaderTests
{
    private const string Wrapped = """
        > chr1,+,368294,368394; class:1
        ACGTACGTAC
        GGTTAA

        > chr2,-,100,110; class:0
        UUUUUACGUAC
        """;

    [Theory]
    [InlineData(false, "a.fa")]
    [InlineData(true, "a.fa.gz")]
    [InlineData(true, "gzip-without-extension.fa")]
    public void Reads_wrapped_sequences_labels_and_ids_plain_or_gzip(bool gzip, string name)
    {
        using var folder = new TempFolder();
        var path = TestFiles.Write(folder, name, Wrapped, gzip);

        var records = FastaReader.Read(path).ToList();

        Assert.Equal(2, records.Count);
        Assert.Equal("chr1,+,368294,368394", records[0].Id);
        Assert.Equal("ACGTACGTACGGTTAA", records[0].Sequence);
        Assert.Equal([1.0], records[0].Labels);
        Assert.Equal("chr2,-,100,110", records[1].Id);
        Assert.Equal("UUUUUACGUAC", records[1].Sequence);
        Assert.Equal([0.0], records[1].Labels);
    }

    [Fact]
    public void Reads_several_comma_separated_labels()
    {
        using var folder = new TempFolder();
        var path = TestFiles.Write(folder, "m.fa", ">s1; class:1,0,1\nACGU\n>s2; class:0,0,1\nGGGG\n");

        var records = FastaReader.Read(path).ToList();

        Assert.Equal([1.0, 0.0, 1.0], records[0].Labels);
        Assert.Equal([0.0, 0.0, 1.0], records[1].Labels);
    }

    [Fact]
    public void Missing_class_is_an_error_naming_file_and_line()
    {
        using var folder = new TempFolder();
        var path = TestFiles.Write(folder, "bad.fa", "> a; class:1\nACGU\n> b\nACGU\n");

        var error = Assert.Throws<DataFormatException>(() => FastaReader.Read(path).ToList());

        Assert.Equal(path, error.File);
        Assert.Equal(3, error.Line);
        Assert.StartsWith($"{path}:3: expected a label", error.Message);
    }

    [Fact]
    public void Unlabelled_fasta_is_read_when_allowed_keeping_the_whole_header_as_id()
    {
        using var folder = new TempFolder();
        var path = TestFiles.Write(folder, "u.fa", ">seq one\nAC\nGU\n");

        var record = Assert.Single(FastaReader.Read(path, allowUnlabelled: true));

        Assert.Equal("seq one", record.Id);
        Assert.Equal("ACGU", record.Sequence);
        Assert.Empty(record.Labels);
    }

    [Theory]
    [InlineData("> a; class:x\nACGU\n", 1, "expected a number after 'class:'")]
    [InlineData("ACGU\n> a; class:1\nACGU\n", 1, "expected a '>' header line")]
    [InlineData("> a; class:1\nACGU\n> b; class:0\n> c; class:1\nAC\n", 3, "expected sequence lines")]
    [InlineData("> a; class:1\nACGU\nAC-GU\n", 3, "expected sequence letters, found '-'")]
    [InlineData("> a; class:1\nACGU\n> b; class:1,0\nACGU\n", 3, "expected 1 label(s)")]
    public void Malformed_files_fail_at_the_offending_line(string text, int line, string expected)
    {
        using var folder = new TempFolder();
        var path = TestFiles.Write(folder, "bad.fa", text);

        var error = Assert.Throws<DataFormatException>(() => FastaReader.Read(path).ToList());

        Assert.Equal(line, error.Line);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Records_stream_lazily_so_early_records_arrive_before_a_later_error()
    {
        using var folder = new TempFolder();
        var path = TestFiles.Write(folder, "late.fa", "> a; class:1\nACGU\n> b\nACGU\n");

        using var enumerator = FastaReader.Read(path).GetEnumerator();

        Assert.True(enumerator.MoveNext());
        Assert.Equal("a", enumerator.Current.Id);
        Assert.Throws<DataFormatException>(() => enumerator.MoveNext());
    }
}
