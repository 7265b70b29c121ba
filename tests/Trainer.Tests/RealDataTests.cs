using RbpPipeline.Trainer.Data;

namespace RbpPipeline.Trainer.Tests;

/// <summary>The readers on the published files (skipped where ../shared/data is absent).</summary>
public sealed class RealDataTests
{
    [Fact]
    public void Reads_the_iDeepS_PUM2_training_fasta()
    {
        var path = RepoPaths.RequireSharedData("clip-ideeps/23_PARCLIP_PUM2_hg19/train.fa.gz");

        var records = FastaReader.Read(path).ToList();

        Assert.Equal(30_000, records.Count);
        Assert.Equal(6_000, records.Count(r => r.Labels.Single() == 1));
        Assert.Equal(24_000, records.Count(r => r.Labels.Single() == 0));
        Assert.All(records, r => Assert.Equal(101, r.Sequence.Length));
        Assert.Equal("chr1,+,69315,69415", records[0].Id);
    }

    [Theory]
    [InlineData("rnacompete-dlprb/RNCMPT00001_train.txt.gz")]
    [InlineData("rnacompete-dlprb/RNCMPT00002_test.txt.gz")]
    public void Reads_rnacompete_probe_files(string file)
    {
        var path = RepoPaths.RequireSharedData(file);

        var records = ScoreSequenceReader.Read(path).ToList();

        Assert.Equal(30_000, records.Count);
        Assert.All(records, r => Assert.InRange(r.Sequence.Length, 30, 41));
        Assert.All(records, r => Assert.True(double.IsFinite(r.Labels.Single())));
    }

    [Theory]
    [InlineData("rbp-adda/train_HNRNPC.source.txt", 398)]
    [InlineData("rbp-adda/train_HNRNPC.target.txt", 387)]
    public void Reads_rbp_adda_tab_separated_files(string file, int count)
    {
        var path = RepoPaths.RequireSharedData(file);

        Assert.Equal(count, ScoreSequenceReader.Read(path).Count());
    }

    [Fact]
    public void Region_types_and_responses_align_with_the_iDeep_fasta()
    {
        var folder = RepoPaths.RequireSharedData("ideep-region");
        var fasta = Path.Combine(folder, "PUM2_training_sample_0_sequences.fa.gz");
        var regions = Path.Combine(folder, "PUM2_training_sample_0_matrix_RegionType.tab.gz");
        var response = Path.Combine(folder, "PUM2_training_sample_0_matrix_Response.tab.gz");

        var withRegions = RecordJoin.WithTracks(FastaReader.Read(fasta), RegionTypeMatrixReader.Read(regions)).ToList();
        var responses = LabelTableReader.Read(response).ToList();

        Assert.Equal(5_000, withRegions.Count);
        Assert.Equal(5_000, responses.Count);
        var first = Assert.IsType<NumericTrack>(withRegions[0].FindTrack("region"));
        Assert.Equal(["intron", "ORF", "5UTR", "3UTR", "exon"], first.Channels);
        Assert.All(withRegions, r => Assert.Equal(101, r.FindTrack("region")!.Length));
        Assert.All(withRegions, r =>
        {
            foreach (var v in ((NumericTrack)r.Tracks[0]).Values) Assert.True(v is 0 or 1);
        });
        // The Response file and the FASTA's class: labels are the same labels in the same order.
        Assert.Equal(withRegions.Select(r => r.Labels.Single()), responses.Select(r => r.Labels.Single()));
        Assert.Equal(1_000, responses.Count(r => r.Labels.Single() == 1));
    }
}
