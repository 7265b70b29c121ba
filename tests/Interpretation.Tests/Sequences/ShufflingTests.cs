using RbpPipeline.Interpretation.Sequences;

namespace RbpPipeline.Interpretation.Tests.Sequences;

public sealed class ShufflingTests
{
    private static int[,] DinucleotideCounts(ReadOnlySpan<byte> codes)
    {
        var counts = new int[NucleotideCodes.Symbols, NucleotideCodes.Symbols];
        for (var i = 0; i + 1 < codes.Length; i++) counts[codes[i], codes[i + 1]]++;
        return counts;
    }

    private static byte[] RandomCodes(Random random, int length, double unknownRate)
    {
        var codes = new byte[length];
        for (var i = 0; i < length; i++) codes[i] = random.NextDouble() < unknownRate ? NucleotideCodes.Unknown : (byte)random.Next(4);
        return codes;
    }

    [Fact]
    public void DinucleotideShufflePreservesEveryDinucleotideCountExactly()
    {
        var random = new Random(7);
        for (var trial = 0; trial < 500; trial++)
        {
            var length = random.Next(1, 120);
            var codes = RandomCodes(random, length, trial % 3 == 0 ? 0.1 : 0);
            var shuffled = new byte[length];
            Shuffling.DinucleotideShuffle(codes, shuffled, new Random(trial));
            Assert.Equal(DinucleotideCounts(codes), DinucleotideCounts(shuffled));
            Assert.Equal(codes[0], shuffled[0]);
            Assert.Equal(codes[^1], shuffled[^1]);
        }
    }

    [Fact]
    public void DinucleotideShuffleReachesEveryArrangementOfASmallCase()
    {
        // ACAGAU's pairs are AC, CA, AG, GA, AU: from A the excursions to C and G may come in either order, and the
        // step to U must come last, so exactly ACAGAU and AGACAU share its dinucleotide counts.
        var codes = NucleotideCodes.FromString("ACAGAU");
        var seen = new Dictionary<string, int>();
        var destination = new byte[codes.Length];
        for (var seed = 0; seed < 2000; seed++)
        {
            Shuffling.DinucleotideShuffle(codes, destination, new Random(seed));
            var text = NucleotideCodes.ToString(destination);
            seen[text] = seen.GetValueOrDefault(text) + 1;
        }
        Assert.Equal(["ACAGAU", "AGACAU"], seen.Keys.Order());
        // Uniform over the two: each within 4 standard deviations of 1000.
        Assert.All(seen.Values, count => Assert.InRange(count, 1000 - 90, 1000 + 90));
    }

    [Fact]
    public void DinucleotideShuffleIsReproducibleWithASeedAndMovesLetters()
    {
        var codes = RandomCodes(new Random(3), 200, 0);
        var a = new byte[200];
        var b = new byte[200];
        Shuffling.DinucleotideShuffle(codes, a, new Random(11));
        Shuffling.DinucleotideShuffle(codes, b, new Random(11));
        Assert.Equal(a, b);
        Assert.NotEqual(codes, a);
    }

    [Fact]
    public void ShuffleKeepsComposition()
    {
        var codes = RandomCodes(new Random(5), 101, 0.05);
        var shuffled = new byte[codes.Length];
        Shuffling.Shuffle(codes, shuffled, new Random(2));
        Assert.Equal(codes.Order(), shuffled.Order());
        Assert.NotEqual(codes, shuffled);
    }

    [Fact]
    public void InvalidCodesAreNamedByPosition()
    {
        var e = Assert.Throws<ArgumentException>(() => Shuffling.DinucleotideShuffle([0, 1, 9, 2], new byte[4], new Random(1)));
        Assert.Contains("position 2", e.Message);
    }

    [Fact]
    public void OneHotRoundTripMarksUnclearColumnsUnknown()
    {
        var codes = NucleotideCodes.FromString("ACGUN");
        var oneHot = new float[20];
        NucleotideCodes.WriteOneHot(codes, oneHot, 0.25f);
        Assert.Equal(0.25f, oneHot[4]);
        var back = new byte[5];
        NucleotideCodes.FromOneHot(oneHot, back);
        Assert.Equal("ACGUN", NucleotideCodes.ToString(back));
    }
}
