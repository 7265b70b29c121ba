using System.Text.Json;
using RbpPipeline.Trainer.Data;
using RbpPipeline.Trainer.Synthetic;

namespace RbpPipeline.Trainer.Tests;

/// <summary>The default data written to disk reads back, through the public readers, as what was generated.</summary>
public sealed class DefaultDataRoundTripTests
{
    [Fact]
    public void Written_default_data_reads_back_identically()
    {
        using var folder = new TempFolder();
        var sets = DefaultDataSets.Generate(seed: 3, scale: 0.05);

        var files = DefaultDataWriter.Write(folder.Path, sets, seed: 3);

        string P(string relative) => Path.Combine(folder.Path, relative);
        Assert.All(files, f => Assert.True(File.Exists(P(f)), f));
        AssertSame(sets.ClipTrain, FastaReader.Read(P("clip-like/train.fa.gz")));
        AssertSame(sets.RnacompeteTest, ScoreSequenceReader.Read(P("rnacompete-like/test.txt.gz")), compareIds: false);
        AssertSame(sets.InVivoTrain, ScoreSequenceReader.Read(P("domain-shift/in-vivo_train.txt.gz")), compareIds: false);
        // The in-vitro / in-vivo pair has held-out parts of both domains (RBP-ADDA measures both after every stage).
        AssertSame(sets.InVitroTest, ScoreSequenceReader.Read(P("domain-shift/in-vitro_test.txt.gz")), compareIds: false);
        Assert.DoesNotContain(sets.InVitroTest.Records.First().Sequence, sets.InVitroTrain.Records.Select(r => r.Sequence));

        var columns = new TableColumns { Id = "id", Sequence = "sequence", Labels = sets.MultiTaskTrain.TaskNames, Region = "region" };
        var table = DelimitedTableReader.Read(P("multitask/train.tsv.gz"), columns).ToList();
        AssertSame(sets.MultiTaskTrain, table);
        Assert.Equal(sets.MultiTaskTrain.Records.Select(r => ((SymbolTrack)r.Tracks[0]).Symbols), table.Select(r => ((SymbolTrack)r.Tracks[0]).Symbols));

        // The iONMF-style matrix holds the same regions as flags, channels in RegionTypes order.
        var matrixRows = RegionTypeMatrixReader.Read(P("multitask/train_matrix_RegionType.tab.gz")).ToList();
        Assert.Equal(sets.MultiTaskTrain.Examples.Count, matrixRows.Count);
        var firstRegion = ((SymbolTrack)table[0].Tracks[0]).Symbols;
        var firstFlags = (NumericTrack)matrixRows[0].Track;
        Assert.Equal(RegionTypes.Names, firstFlags.Channels);
        for (var position = 0; position < firstRegion.Length; position++)
            Assert.Equal(1f, firstFlags[RegionTypes.Codes.IndexOf(firstRegion[position]), position]);

        using var truth = JsonDocument.Parse(File.ReadAllText(P("truth.json")));
        var clipTruth = truth.RootElement.GetProperty("files").EnumerateArray().First(f => f.GetProperty("file").GetString() == "clip-like/train.fa.gz");
        Assert.Equal("UGUAHAUA", clipTruth.GetProperty("motifs")[0].GetProperty("consensus").GetString());
        var sites = ReadLines(P("clip-like/train.fa.gz.sites.tsv.gz"));
        Assert.Equal(sets.ClipTrain.Examples.Sum(e => e.Sites.Count), sites.Count - 1);
    }

    private static void AssertSame(SyntheticDataset expected, IEnumerable<SequenceRecord> actual, bool compareIds = true)
    {
        var read = actual.ToList();
        Assert.Equal(expected.Examples.Count, read.Count);
        for (var i = 0; i < read.Count; i++)
        {
            var e = expected.Examples[i].Record;
            if (compareIds) Assert.Equal(e.Id, read[i].Id);
            Assert.Equal(e.Sequence, read[i].Sequence);
            Assert.Equal(e.Labels, read[i].Labels); // "R" formatting round-trips doubles exactly
        }
    }

    private static List<string> ReadLines(string path)
    {
        using var reader = DataFile.OpenText(path);
        var lines = new List<string>();
        while (reader.ReadLine() is { } line) lines.Add(line);
        return lines;
    }
}
