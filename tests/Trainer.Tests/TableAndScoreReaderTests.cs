using RbpPipeline.Trainer.Data;

namespace RbpPipeline.Trainer.Tests;

public sealed class TableAndScoreReaderTests
{
    [Theory]
    [InlineData("t.tsv", false)]
    [InlineData("t.tsv.gz", true)]
    public void Reads_multi_label_tsv_choosing_columns_by_name(string name, bool gzip)
    {
        using var folder = new TempFolder();
        var path = TestFiles.Write(folder, name,
            "name\tQKI\tseq\tPUM2\textra\n" +
            "r1\t1\tACGU\t0\tx\n" +
            "r2\t0\tGGCC\tNA\ty\n", gzip);

        var records = DelimitedTableReader.Read(path, new TableColumns { Sequence = "seq", Labels = ["PUM2", "QKI"], Id = "name" }).ToList();

        Assert.Equal(2, records.Count);
        Assert.Equal(("r1", "ACGU"), (records[0].Id, records[0].Sequence));
        Assert.Equal([0.0, 1.0], records[0].Labels);
        Assert.True(double.IsNaN(records[1].Labels[0]));
        Assert.Equal(0.0, records[1].Labels[1]);
    }

    [Fact]
    public void Reads_csv_with_quoted_fields_and_ids_from_line_numbers()
    {
        using var folder = new TempFolder();
        var path = TestFiles.Write(folder, "t.csv", "sequence,label,note\nACGU,1.5,\"a, \"\"quoted\"\" note\"\n\nGGUU,-2,plain\n");

        var records = DelimitedTableReader.Read(path, new TableColumns { Sequence = "sequence", Labels = ["label"] }).ToList();

        Assert.Equal(["t.csv:2", "t.csv:4"], records.Select(r => r.Id));
        Assert.Equal([1.5, -2.0], records.Select(r => r.Labels[0]));
    }

    [Fact]
    public void Explicit_delimiter_overrides_the_extension()
    {
        using var folder = new TempFolder();
        var path = TestFiles.Write(folder, "t.data", "sequence;y\nACGU;1\n");

        Assert.Throws<ArgumentException>(() => DelimitedTableReader.Read(path, new TableColumns { Sequence = "sequence" }).ToList());
        var record = Assert.Single(DelimitedTableReader.Read(path, new TableColumns { Sequence = "sequence", Labels = ["y"] }, ';'));
        Assert.Equal([1.0], record.Labels);
    }

    [Fact]
    public void Region_string_column_becomes_a_symbol_track()
    {
        using var folder = new TempFolder();
        var path = TestFiles.Write(folder, "r.tsv", "sequence\ty\tregion\nACGU\t1\tII33\n");

        var record = Assert.Single(DelimitedTableReader.Read(path, new TableColumns { Sequence = "sequence", Labels = ["y"], Region = "region" }));

        var track = Assert.IsType<SymbolTrack>(record.FindTrack("region"));
        Assert.Equal("II33", track.Symbols);
    }

    [Fact]
    public void Wrong_column_name_lists_the_header()
    {
        using var folder = new TempFolder();
        var path = TestFiles.Write(folder, "t.tsv", "sequence\tscore\nACGU\t1\n");

        var error = Assert.Throws<DataFormatException>(() => DelimitedTableReader.Read(path, new TableColumns { Sequence = "sequence", Labels = ["PUM2"] }).ToList());

        Assert.Equal(1, error.Line);
        Assert.Contains("expected a label column named 'PUM2'", error.Message);
        Assert.Contains("'sequence', 'score'", error.Message);
    }

    [Theory]
    [InlineData("sequence\ty\nACGU\t1\nACGU\t1\textra\n", 3, "expected 2 fields as in the header, found 3")]
    [InlineData("sequence\ty\nACGU\t1\nACGU\n", 3, "expected 2 fields as in the header, found 1")]
    [InlineData("sequence\ty\nACGU\tbig\n", 2, "expected a number (or empty/NA for missing) in label column 'y'")]
    [InlineData("sequence\ty\nAC GU\t1\n", 2, "expected sequence letters, found ' '")]
    [InlineData("sequence\ty\tregion\nACGU\t1\tII3\n", 2, "record 0 (id 't.tsv:2'): region string in column 'region' has 3 positions but the sequence has 4")]
    public void Malformed_tables_fail_at_the_offending_line(string text, int line, string expected)
    {
        using var folder = new TempFolder();
        var path = TestFiles.Write(folder, "t.tsv", text);
        var columns = new TableColumns { Sequence = "sequence", Labels = ["y"], Region = text.Contains("region") ? "region" : null };

        var error = Assert.Throws<DataFormatException>(() => DelimitedTableReader.Read(path, columns).ToList());

        Assert.Equal(line, error.Line);
        Assert.StartsWith($"{path}:{line}: ", error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Theory]
    [InlineData(false, ' ')]
    [InlineData(true, ' ')]
    [InlineData(false, '\t')]
    public void Reads_score_sequence_lines_with_space_or_tab(bool gzip, char separator)
    {
        using var folder = new TempFolder();
        var path = TestFiles.Write(folder, "s.txt", $"-0.975763{separator}AGAAGGCACC\n2.5e-1{separator}UUGU\n\n", gzip);

        var records = ScoreSequenceReader.Read(path).ToList();

        Assert.Equal([-0.975763, 0.25], records.Select(r => r.Labels.Single()));
        Assert.Equal(["AGAAGGCACC", "UUGU"], records.Select(r => r.Sequence));
        Assert.Equal("s.txt:2", records[1].Id);
    }

    [Theory]
    [InlineData("1.0 ACGU\nhigh ACGU\n", 2, "expected a numeric score in the first field, found 'high'")]
    [InlineData("1.0 ACGU\n1.0\n", 2, "expected '<score> <sequence>'")]
    [InlineData("1.0 ACGU extra\n", 1, "found 3 field(s)")]
    [InlineData("NaN ACGU\n", 1, "expected a numeric score")]
    public void Bad_score_lines_fail_at_their_line(string text, int line, string expected)
    {
        using var folder = new TempFolder();
        var path = TestFiles.Write(folder, "s.txt", text);

        var error = Assert.Throws<DataFormatException>(() => ScoreSequenceReader.Read(path).ToList());

        Assert.Equal(line, error.Line);
        Assert.Contains(expected, error.Message);
    }
}
