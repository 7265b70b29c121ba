using RbpPipeline.Trainer.Adaptation;
using RbpPipeline.Trainer.Data;

namespace RbpPipeline.Trainer.Tests.Adaptation;

public sealed class PeakPreprocessorTests
{
    private static string Seq(int length, int offset = 0) =>
        new([.. Enumerable.Range(offset, length).Select(i => "ACGU"[i % 4])]);

    [Fact]
    public void A_20_nt_peak_with_flanks_is_extended_symmetrically_to_26_then_padded()
    {
        var peak = new string('A', 20);
        var fragments = PeakPreprocessor.Fragments(peak, upstream: "GGGGGCCC", downstream: "UUUGGGGG");
        Assert.Equal(["CCC" + peak + "UUU" + new string('N', 15)], fragments);
    }

    [Fact]
    public void A_20_nt_peak_without_flanks_is_only_padded()
    {
        var peak = Seq(20);
        Assert.Equal([peak + new string('N', 21)], PeakPreprocessor.Fragments(peak));
    }

    [Fact]
    public void A_short_flank_is_made_up_from_the_other_side()
    {
        var peak = new string('A', 20);
        Assert.Equal(["GGGGG" + peak + "U" + new string('N', 15)], PeakPreprocessor.Fragments(peak, upstream: "CGGGGG", downstream: "U"));
        Assert.Equal(["C" + peak + "UUUUU" + new string('N', 15)], PeakPreprocessor.Fragments(peak, upstream: "C", downstream: "UUUUUG"));
        // Flanks too short on both sides: extended as far as they go, the rest is padding.
        Assert.Equal(["C" + peak + "U" + new string('N', 19)], PeakPreprocessor.Fragments(peak, upstream: "C", downstream: "U"));
    }

    [Fact]
    public void A_30_nt_peak_is_kept_and_padded()
    {
        var peak = Seq(30);
        Assert.Equal([peak + new string('N', 11)], PeakPreprocessor.Fragments(peak, "AAAA", "CCCC"));
    }

    [Fact]
    public void A_41_nt_peak_is_kept_as_it_is()
    {
        var peak = Seq(41);
        Assert.Equal([peak], PeakPreprocessor.Fragments(peak));
    }

    [Fact]
    public void A_100_nt_peak_is_split_into_three_40_nt_pieces_overlapping_by_10()
    {
        var peak = Seq(100, offset: 1) ;
        Assert.Equal((3, 40), PeakPreprocessor.Pieces(100));
        var fragments = PeakPreprocessor.Fragments(peak);
        Assert.Equal([peak[0..40] + "N", peak[30..70] + "N", peak[60..100] + "N"], fragments);
    }

    [Fact]
    public void Uneven_lengths_give_equal_pieces_covering_the_peak_with_at_least_the_overlap()
    {
        // 42 nt: two pieces of ⌈52/2⌉ = 26 at 0 and 16 (overlap 10). 73 nt: ⌈83/2⌉ = 42 > 41, so three of ⌈93/3⌉ = 31 at 0, 21, 42.
        Assert.Equal((2, 26), PeakPreprocessor.Pieces(42));
        Assert.Equal((3, 31), PeakPreprocessor.Pieces(73));
        var peak = Seq(73);
        var fragments = PeakPreprocessor.Fragments(peak);
        Assert.Equal([peak[0..31], peak[21..52], peak[42..73]], fragments.Select(f => f.TrimEnd('N')));
        foreach (var length in Enumerable.Range(42, 200))
        {
            var (count, piece) = PeakPreprocessor.Pieces(length);
            Assert.True(piece <= 41 && count * piece - (count - 1) * 10 >= length, $"{length}: {count}×{piece}");
            Assert.All(PeakPreprocessor.Fragments(Seq(length)), f => Assert.Equal(41, f.Length));
        }
    }

    [Fact]
    public void Records_are_expanded_with_the_peak_label_and_numbered_ids()
    {
        var records = PeakPreprocessor.Apply([new SequenceRecord("a", Seq(100), [0.5]), new SequenceRecord("b", Seq(30), [1.5])]);
        Assert.Equal(["a#0", "a#1", "a#2", "b"], records.Select(r => r.Id));
        Assert.All(records[..3], r => Assert.Equal([0.5], r.Labels));
        Assert.All(records, r => Assert.Equal(41, r.Sequence.Length));
    }
}
