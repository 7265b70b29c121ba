using RbpPipeline.Contracts.SequenceEncoding;

namespace RbpPipeline.Contracts.Tests;

public class SequenceEncoderTests
{
    private static SequenceEncoder Encoder(int length, LengthPolicy policy = LengthPolicy.Exact, float padding = 0f,
        NPolicy n = NPolicy.Zero, AmbiguityPolicy ambiguity = AmbiguityPolicy.Error) =>
        new(new EncodingSpec { Length = length, LengthPolicy = policy, PaddingValue = padding, NPolicy = n, AmbiguityPolicy = ambiguity });

    /// <summary>Column p of a [4, L] record.</summary>
    private static float[] Column(float[] encoded, int length, int p, int record = 0) =>
        [.. Enumerable.Range(0, 4).Select(k => encoded[record * 4 * length + k * length + p])];

    [Fact]
    public void Bases_are_one_hot_in_channel_order_ACGU_with_T_as_U_and_any_case()
    {
        var encoded = Encoder(6).EncodeBatch(["aCgTuT"]);
        Assert.Equal([1f, 0, 0, 0], Column(encoded, 6, 0));
        Assert.Equal([0f, 1, 0, 0], Column(encoded, 6, 1));
        Assert.Equal([0f, 0, 1, 0], Column(encoded, 6, 2));
        Assert.Equal([0f, 0, 0, 1], Column(encoded, 6, 3));
        Assert.Equal([0f, 0, 0, 1], Column(encoded, 6, 4));
        Assert.Equal([0f, 0, 0, 1], Column(encoded, 6, 5));
        // Channels-first: the whole A channel comes before the C channel.
        Assert.Equal([1f, 0, 0, 0, 0, 0], encoded[..6]);
    }

    [Fact]
    public void N_follows_its_policy()
    {
        Assert.Equal([0f, 0, 0, 0], Column(Encoder(1, n: NPolicy.Zero).EncodeBatch(["n"]), 1, 0));
        Assert.Equal([0.25f, 0.25f, 0.25f, 0.25f], Column(Encoder(1, n: NPolicy.Uniform).EncodeBatch(["N"]), 1, 0));
        var e = Assert.Throws<SequenceEncodingException>(() => Encoder(3, n: NPolicy.Error).EncodeBatch(["ANA"]));
        Assert.Contains("'N'", e.Message);
        Assert.Contains("position 1 (0-based)", e.Message);
        Assert.Contains("nPolicy is 'error'", e.Message);
    }

    [Theory]
    [InlineData('R', new[] { 0.5f, 0, 0.5f, 0 })]
    [InlineData('Y', new[] { 0f, 0.5f, 0, 0.5f })]
    [InlineData('S', new[] { 0f, 0.5f, 0.5f, 0 })]
    [InlineData('W', new[] { 0.5f, 0, 0, 0.5f })]
    [InlineData('K', new[] { 0f, 0, 0.5f, 0.5f })]
    [InlineData('M', new[] { 0.5f, 0.5f, 0, 0 })]
    [InlineData('b', new[] { 0f, 1f / 3, 1f / 3, 1f / 3 })]
    [InlineData('D', new[] { 1f / 3, 0, 1f / 3, 1f / 3 })]
    [InlineData('H', new[] { 1f / 3, 1f / 3, 0, 1f / 3 })]
    [InlineData('v', new[] { 1f / 3, 1f / 3, 1f / 3, 0 })]
    public void Ambiguity_codes_are_the_mean_of_their_bases_under_the_mean_policy(char code, float[] expected)
    {
        var encoder = Encoder(1, ambiguity: AmbiguityPolicy.Mean);
        var encoded = encoder.EncodeBatch([code.ToString()]);
        Assert.Equal(expected, Column(encoded, 1, 0));
        Assert.Equal(char.ToUpperInvariant(code).ToString(), encoder.Decode(encoded));
    }

    [Fact]
    public void Ambiguity_codes_are_rejected_under_the_error_policy()
    {
        var e = Assert.Throws<SequenceEncodingException>(() => Encoder(4).EncodeBatch(["ACRU"], ["probe-7"]));
        Assert.Contains("'R'", e.Message);
        Assert.Contains("position 2 (0-based)", e.Message);
        Assert.Contains("ambiguityPolicy 'error'", e.Message);
        Assert.Equal(2, e.Position);
    }

    [Fact]
    public void An_invalid_character_error_names_the_record_the_position_the_character_and_what_was_expected()
    {
        var e = Assert.Throws<SequenceEncodingException>(() =>
            Encoder(4, n: NPolicy.Error).EncodeBatch(["ACGU", "ACXU"], [null, "chr1:100-104(+)"]));
        Assert.Equal(1, e.RecordIndex);
        Assert.Equal("chr1:100-104(+)", e.RecordId);
        Assert.Equal(2, e.Position);
        Assert.Contains("sequence 1 (id 'chr1:100-104(+)')", e.Message);
        Assert.Contains("'X' (U+0058) at position 2 (0-based)", e.Message);
        Assert.Contains("expected A, C, G, U or T (any case)", e.Message);
        Assert.DoesNotContain("N,", e.Message); // N is not expected when its policy rejects it

        var unnamed = Assert.Throws<SequenceEncodingException>(() => Encoder(3).EncodeBatch(["AC-"]));
        Assert.Contains("sequence 0:", unnamed.Message);
        Assert.Contains("'-' (U+002D) at position 2 (0-based)", unnamed.Message);
    }

    [Theory]
    [InlineData("ACG\tU", "U+0009")] // invisible characters are shown by code point
    [InlineData("ACGé", "U+00E9")]   // 8-bit but not a nucleotide
    [InlineData("ACG€", "U+20AC")]   // outside the lookup table
    public void Characters_outside_the_alphabet_are_rejected_whatever_their_width(string sequence, string shown)
    {
        var e = Assert.Throws<SequenceEncodingException>(() => Encoder(8, LengthPolicy.Left).EncodeBatch([sequence]));
        Assert.Contains(shown, e.Message);
        Assert.Equal(sequence.Length - 1 - (sequence.Contains('\t') ? 1 : 0), e.Position);
    }

    [Fact]
    public void Invalid_characters_in_the_trimmed_part_are_still_errors()
    {
        var e = Assert.Throws<SequenceEncodingException>(() => Encoder(3, LengthPolicy.Left).EncodeBatch(["ACGUUX"]));
        Assert.Equal(5, e.Position);
    }

    [Fact]
    public void Exact_policy_rejects_other_lengths_naming_record_actual_and_expected_length()
    {
        var e = Assert.Throws<SequenceEncodingException>(() => Encoder(5).EncodeBatch(["ACGUA", "ACGU"], ["a", "b"]));
        Assert.Equal(1, e.RecordIndex);
        Assert.Contains("sequence 1 (id 'b')", e.Message);
        Assert.Contains("length 4", e.Message);
        Assert.Contains("expected exactly 5", e.Message);
    }

    // Hand-computed: centre gives the extra (odd) trimmed base or padding column to the 3′ end.
    [Theory]
    [InlineData(LengthPolicy.Centre, 6, "ACGUAC", "ACGUAC")]
    [InlineData(LengthPolicy.Centre, 6, "ACGUACG", "ACGUAC")]     // trim 1: from the 3′ end
    [InlineData(LengthPolicy.Centre, 6, "ACGUACGU", "CGUACG")]    // trim 2: one each side
    [InlineData(LengthPolicy.Centre, 6, "UACGUACGU", "ACGUAC")]   // trim 3: one 5′, two 3′
    [InlineData(LengthPolicy.Centre, 6, "ACGUA", "ACGUAN")]       // pad 1: at the 3′ end
    [InlineData(LengthPolicy.Centre, 6, "ACGU", "NACGUN")]        // pad 2: one each side
    [InlineData(LengthPolicy.Centre, 6, "ACG", "NACGNN")]         // pad 3: one 5′, two 3′
    [InlineData(LengthPolicy.Centre, 3, "", "NNN")]
    [InlineData(LengthPolicy.Left, 4, "ACGUAC", "ACGU")]
    [InlineData(LengthPolicy.Left, 4, "AC", "ACNN")]
    [InlineData(LengthPolicy.Right, 4, "ACGUAC", "GUAC")]
    [InlineData(LengthPolicy.Right, 4, "AC", "NNAC")]
    [InlineData(LengthPolicy.Exact, 4, "acgt", "ACGU")]
    public void Length_policies_pad_and_trim_as_documented(LengthPolicy policy, int length, string input, string expected)
    {
        var encoder = Encoder(length, policy, padding: 0.25f);
        Assert.Equal(expected, encoder.Normalise(input));
        var encoded = encoder.EncodeBatch([input]);
        Assert.Equal(expected, encoder.Decode(encoded));
        var window = LengthWindow.For(policy, input.Length, length);
        for (var p = 0; p < length; p++)
        {
            var padded = p < window.PadStart || p >= length - window.PadEnd;
            Assert.Equal(padded, expected[p] == 'N');
            if (padded) Assert.Equal([0.25f, 0.25f, 0.25f, 0.25f], Column(encoded, length, p));
        }
    }

    [Theory]
    [InlineData(LengthPolicy.Centre, 7, 6, 0, 0, 0, 1)]
    [InlineData(LengthPolicy.Centre, 9, 6, 0, 0, 1, 2)]
    [InlineData(LengthPolicy.Centre, 3, 6, 1, 2, 0, 0)]
    [InlineData(LengthPolicy.Left, 2, 4, 0, 2, 0, 0)]
    [InlineData(LengthPolicy.Right, 6, 4, 0, 0, 2, 0)]
    public void Length_windows_report_padding_and_trimming(LengthPolicy policy, int raw, int length, int padStart, int padEnd, int trimStart, int trimEnd)
    {
        var w = LengthWindow.For(policy, raw, length);
        Assert.Equal((padStart, padEnd, trimStart, trimEnd), (w.PadStart, w.PadEnd, w.TrimStart, w.TrimEnd));
        Assert.Equal(length, w.PadStart + w.CopyLength + w.PadEnd);
        Assert.Equal(raw, w.TrimStart + w.CopyLength + w.TrimEnd);
    }

    [Fact]
    public void Batches_are_laid_out_record_after_record_into_a_caller_buffer()
    {
        var encoder = Encoder(2);
        var buffer = new float[3 * 8];
        encoder.EncodeBatch(["AC", "GU", "UA"], buffer);
        Assert.Equal([1f, 0, 0, 0], Column(buffer, 2, 0, record: 0));
        Assert.Equal([0f, 0, 0, 1], Column(buffer, 2, 1, record: 1));
        Assert.Equal([0f, 0, 1, 0], Column(buffer, 2, 0, record: 1));
        Assert.Equal([0f, 0, 0, 1], Column(buffer, 2, 0, record: 2));
        Assert.Throws<ArgumentException>(() => encoder.EncodeBatch(["AC"], new float[7]));
    }

    [Fact]
    public void Decode_rejects_columns_the_encoding_never_produces()
    {
        var e = Assert.Throws<FormatException>(() => Encoder(2).Decode([1f, 0, 0, 0.5f, 0, 0, 0, 0]));
        Assert.Contains("column 1 (0-based)", e.Message);
    }

    [Fact]
    public void Reverse_complement_of_strings_complements_every_IUPAC_code()
    {
        Assert.Equal("NACGU", Nucleotides.ReverseComplement("acgtn"));
        Assert.Equal("WSDHBVKMRY", Nucleotides.ReverseComplement("RYKMBVDHSW"));
        var e = Assert.Throws<ArgumentException>(() => Nucleotides.ReverseComplement("ACZ"));
        Assert.Contains("position 2 (0-based)", e.Message);
    }

    [Fact]
    public void Specs_with_contradictions_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => new SequenceEncoder(new EncodingSpec { Length = 0 }));
        Assert.Throws<ArgumentException>(() => new SequenceEncoder(new EncodingSpec { Length = 4, Alphabet = "ACGT" }));
        Assert.Throws<ArgumentException>(() => new SequenceEncoder(new EncodingSpec
        {
            Length = 4,
            Tracks = [new ProfileTrackSpec { Name = "sequence", Channels = ["x"] }],
        }));
        Assert.Throws<ArgumentException>(() => new SequenceEncoder(new EncodingSpec
        {
            Length = 4,
            Tracks = [new CategoricalTrackSpec { Name = "region", Categories = [new("exon", "E")], BlankSymbols = "E" }],
        }));
    }
}
