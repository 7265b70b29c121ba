using RbpPipeline.Trainer.Augmentation;
using RbpPipeline.Trainer.Data;

namespace RbpPipeline.Trainer.Tests.Adaptation;

public sealed class AugmentationTests
{
    // One sequence "ACGU" as [4 channels, 4 positions], channel-major: channel c holds position p at c*4 + p.
    private static float[] Acgu() =>
    [
        1, 0, 0, 0, // A
        0, 1, 0, 0, // C
        0, 0, 1, 0, // G
        0, 0, 0, 1, // U
    ];

    private static float[] OneHot(string sequence)
    {
        var l = sequence.Length;
        var data = new float[4 * l];
        for (var p = 0; p < l; p++)
        {
            var c = "ACGU".IndexOf(sequence[p]);
            if (c >= 0) data[c * l + p] = 1;
        }
        return data;
    }

    private static string Decode(ReadOnlySpan<float> data, int length)
    {
        var chars = new char[length];
        for (var p = 0; p < length; p++)
        {
            chars[p] = 'N';
            for (var c = 0; c < 4; c++)
                if (data[c * length + p] == 1) chars[p] = "ACGU"[c];
                else if (data[c * length + p] != 0) chars[p] = '-';
        }
        return new string(chars);
    }

    [Fact]
    public void Replacement_copies_the_neighbouring_column()
    {
        var x = Acgu();
        SequenceAugmenter.Replace(x, 4, 4, position: 2, from: 1);
        Assert.Equal(
        [
            1, 0, 0, 0,
            0, 1, 1, 0,
            0, 0, 0, 0,
            0, 0, 0, 1,
        ], x);
        Assert.Equal("ACCU", Decode(x, 4));
    }

    [Fact]
    public void Swap_exchanges_two_columns()
    {
        var x = Acgu();
        SequenceAugmenter.Swap(x, 4, 4, 0, 3);
        Assert.Equal(
        [
            0, 0, 0, 1,
            0, 1, 0, 0,
            0, 0, 1, 0,
            1, 0, 0, 0,
        ], x);
    }

    [Fact]
    public void Gap_sets_the_column_to_0_3_0_2_0_2_0_3()
    {
        var x = Acgu();
        SequenceAugmenter.Gap(x, 4, 4, 1);
        Assert.Equal(
        [
            1, 0.3f, 0, 0,
            0, 0.2f, 0, 0,
            0, 0.2f, 1, 0,
            0, 0.3f, 0, 1,
        ], x);
    }

    [Theory]
    [InlineData(AugmentationKind.Replacement)]
    [InlineData(AugmentationKind.Swap)]
    [InlineData(AugmentationKind.Gap)]
    public void Each_operator_changes_at_most_the_configured_positions_and_never_padding(AugmentationKind kind)
    {
        const int n = 200, l = 12;
        var random = new DeterministicRandom(5);
        var sequences = Enumerable.Range(0, n).Select(_ => new string([.. Enumerable.Range(0, 9).Select(_ => "ACGU"[random.NextInt(4)])]) + "NNN").ToArray();
        var data = sequences.SelectMany(OneHot).ToArray();
        var augmenter = new SequenceAugmenter(new AugmentationOptions { Kind = kind, PositionsPerSequence = 1 });
        Assert.Equal(n, augmenter.Apply(data, n, 4, l, augmenter.StreamFor(0, 0)));
        var changedAny = 0;
        for (var i = 0; i < n; i++)
        {
            var after = Decode(data.AsSpan(i * 4 * l, 4 * l), l);
            var changed = Enumerable.Range(0, l).Where(p => after[p] != sequences[i][p]).ToList();
            Assert.EndsWith("NNN", after);
            Assert.True(changed.Count <= (kind == AugmentationKind.Swap ? 2 : 1), $"{sequences[i]} → {after}");
            if (kind == AugmentationKind.Gap) Assert.Equal('-', after[changed.Single()]);
            if (kind == AugmentationKind.Swap && changed.Count == 2) Assert.Equal((sequences[i][changed[0]], sequences[i][changed[1]]), (after[changed[1]], after[changed[0]]));
            if (kind == AugmentationKind.Replacement && changed.Count == 1)
            {
                var p = changed[0];
                Assert.True((p > 0 && after[p] == sequences[i][p - 1]) || (p < 8 && after[p] == sequences[i][p + 1]));
            }
            if (changed.Count > 0) changedAny++;
        }
        // Replacement and swap may pick equal nucleotides; most sequences still change.
        Assert.True(changedAny > n / 2, $"{changedAny} of {n} changed");
    }

    [Fact]
    public void The_fraction_and_the_seed_decide_which_sequences_change()
    {
        const int n = 1000, l = 8;
        var original = Enumerable.Range(0, n).SelectMany(i => OneHot("ACGUACGU")).ToArray();
        float[] Run(double fraction, ulong seed, int positions = 1)
        {
            var data = (float[])original.Clone();
            var augmenter = new SequenceAugmenter(new AugmentationOptions { Kind = AugmentationKind.Gap, Fraction = fraction, Seed = seed, PositionsPerSequence = positions });
            augmenter.Apply(data, n, 4, l, augmenter.StreamFor(3, 7));
            return data;
        }
        Assert.Equal(original, Run(0, 1));
        Assert.Equal(Run(0.3, 1), Run(0.3, 1));
        Assert.NotEqual(Run(0.3, 1), Run(0.3, 2));
        var changed = Enumerable.Range(0, n).Count(i => !original.AsSpan(i * 4 * l, 4 * l).SequenceEqual(Run(0.3, 1).AsSpan(i * 4 * l, 4 * l)));
        Assert.InRange(changed, 250, 350);
        // Three positions per sequence: between one and three gap columns (a position may be drawn twice).
        var three = Run(1, 1, positions: 3);
        for (var i = 0; i < n; i++)
        {
            var gaps = Decode(three.AsSpan(i * 4 * l, 4 * l), l).Count(c => c == '-');
            Assert.InRange(gaps, 1, 3);
        }
    }

    [Fact]
    public void None_leaves_the_batch_alone_and_bad_options_are_rejected()
    {
        var x = Acgu();
        Assert.Equal(0, new SequenceAugmenter(new AugmentationOptions()).Apply(x, 1, 4, 4, new DeterministicRandom(1)));
        Assert.Equal(Acgu(), x);
        Assert.Throws<ArgumentException>(() => new SequenceAugmenter(new AugmentationOptions { Fraction = 1.5 }));
        Assert.Throws<ArgumentException>(() => new SequenceAugmenter(new AugmentationOptions { PositionsPerSequence = 0 }));
        Assert.Equal(AugmentationKind.Swap, AugmentationOptions.ParseKind("SWAP"));
        Assert.Throws<ArgumentException>(() => AugmentationOptions.ParseKind("shuffle"));
    }
}
