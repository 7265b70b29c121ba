using RbpPipeline.Contracts.SequenceEncoding;

namespace RbpPipeline.Contracts.Tests;

public class TrackEncodingTests
{
    private static readonly CategoricalTrackSpec Region = new()
    {
        Name = "region",
        // "5" is both exon and 5′UTR: multi-hot.
        Categories = [new("intron", "I"), new("exon", "E5"), new("5UTR", "5")],
        BlankSymbols = ".",
    };

    private static readonly ProfileTrackSpec Structure = new() { Name = "structure", Channels = ["P", "U"], PaddingValue = -1f };

    private static EncodingSpec Spec(int length, LengthPolicy policy) =>
        new() { Length = length, LengthPolicy = policy, Tracks = [Region, Structure] };

    private static InputRecord Record(string sequence, string region, float[] structure, string? id = null) => new()
    {
        Sequence = sequence,
        Id = id,
        Tracks = new Dictionary<string, TrackValues>
        {
            ["region"] = TrackValues.FromSymbols(region),
            ["structure"] = TrackValues.FromProfile(structure),
        },
    };

    [Fact]
    public void Tracks_are_separate_tensors_cut_by_the_same_window_as_the_sequence()
    {
        // 5 bases into L = 3 with centre: offset 1, so bases 1..3 are kept.
        var encoder = new InputEncoder(Spec(3, LengthPolicy.Centre));
        var tensors = encoder.Encode([Record("AACGU", "I.E5I", [0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 1.1f, 1.2f, 1.3f, 1.4f, 1.5f])]);

        Assert.Equal(["sequence", "region", "structure"], tensors.Select(t => t.Name));
        Assert.Equal([1L, 4, 3], tensors[0].Shape);
        Assert.Equal([1L, 3, 3], tensors[1].Shape);
        Assert.Equal([1L, 2, 3], tensors[2].Shape);
        Assert.Equal("ACG", encoder.Sequence.Decode(tensors[0].Data));
        // region channels [intron, exon, 5UTR] × positions ['.', 'E', '5']
        Assert.Equal(
            [0f, 0, 0, /* exon */ 0, 1, 1, /* 5UTR */ 0, 0, 1],
            tensors[1].Data);
        Assert.Equal([0.2f, 0.3f, 0.4f, 1.2f, 1.3f, 1.4f], tensors[2].Data);
    }

    [Fact]
    public void Tracks_are_padded_with_their_own_padding_value()
    {
        // 2 bases into L = 4 with centre: one padding column each side.
        var encoder = new InputEncoder(Spec(4, LengthPolicy.Centre));
        var tensors = encoder.Encode([Record("AC", "IE", [0.5f, 0.6f, 0.7f, 0.8f])]);
        Assert.Equal([0f, 1, 0, 0, /* exon */ 0, 0, 1, 0, /* 5UTR */ 0, 0, 0, 0], tensors[1].Data);
        Assert.Equal([-1f, 0.5f, 0.6f, -1f, -1f, 0.7f, 0.8f, -1f], tensors[2].Data);
    }

    [Fact]
    public void A_track_whose_length_disagrees_with_the_sequence_names_the_record_and_the_track()
    {
        var encoder = new InputEncoder(Spec(4, LengthPolicy.Left));
        var good = Record("ACGU", "IIII", new float[8], "ok");
        var e = Assert.Throws<SequenceEncodingException>(() => encoder.Encode([good, Record("ACGU", "III", new float[8], "tx-2")]));
        Assert.Equal(1, e.RecordIndex);
        Assert.Contains("record 1 (id 'tx-2')", e.Message);
        Assert.Contains("track 'region' covers 3 positions but the sequence has 4 bases", e.Message);

        var profile = Assert.Throws<SequenceEncodingException>(() => encoder.Encode([Record("ACGU", "IIII", new float[10], "p")]));
        Assert.Contains("track 'structure' covers 5 positions but the sequence has 4 bases", profile.Message);

        var ragged = Assert.Throws<SequenceEncodingException>(() => encoder.Encode([Record("ACGU", "IIII", new float[7])]));
        Assert.Contains("7 values", ragged.Message);
    }

    [Fact]
    public void Unknown_symbols_and_non_finite_profile_values_are_rejected_with_their_position()
    {
        var encoder = new InputEncoder(Spec(4, LengthPolicy.Exact));
        var symbol = Assert.Throws<SequenceEncodingException>(() => encoder.Encode([Record("ACGU", "IIeI", new float[8], "r")]));
        Assert.Contains("'e' (U+0065) at position 2 (0-based)", symbol.Message); // symbols are case-sensitive
        Assert.Contains("'E5' (exon)", symbol.Message);
        Assert.Equal(2, symbol.Position);

        var values = new float[8];
        values[5] = float.NaN;
        var nan = Assert.Throws<SequenceEncodingException>(() => encoder.Encode([Record("ACGU", "IIII", values)]));
        Assert.Contains("channel 'U'", nan.Message);
        Assert.Contains("position 1 (0-based)", nan.Message);
    }

    [Fact]
    public void Records_must_carry_exactly_the_encodings_tracks()
    {
        var encoder = new InputEncoder(Spec(4, LengthPolicy.Exact));
        var missing = new InputRecord
        {
            Sequence = "ACGU",
            Id = "m",
            Tracks = new Dictionary<string, TrackValues> { ["region"] = TrackValues.FromSymbols("IIII"), ["shape"] = TrackValues.FromSymbols("FFFF") },
        };
        var e = Assert.Throws<SequenceEncodingException>(() => encoder.Encode([missing]));
        Assert.Contains("lacks track(s) 'structure'", e.Message);
        Assert.Contains("has track(s) 'shape'", e.Message);

        var swapped = new InputRecord
        {
            Sequence = "ACGU",
            Tracks = new Dictionary<string, TrackValues> { ["region"] = TrackValues.FromProfile(new float[12]), ["structure"] = TrackValues.FromProfile(new float[8]) },
        };
        Assert.Contains("needs a symbol string", Assert.Throws<SequenceEncodingException>(() => encoder.Encode([swapped])).Message);
    }

    [Fact]
    public void Shape_strings_encode_one_hot_over_their_letters()
    {
        var shape = CategoricalTrackSpec.OneHot("shape", "FHIMST");
        var spec = new EncodingSpec { Length = 6, Tracks = [shape] };
        var tensors = new InputEncoder(spec).Encode([new InputRecord
        {
            Sequence = "ACGUAC",
            Tracks = new Dictionary<string, TrackValues> { ["shape"] = TrackValues.FromSymbols("TSMIHF") },
        }]);
        Assert.Equal(["F", "H", "I", "M", "S", "T"], tensors[1].ChannelNames);
        var data = tensors[1].Data;
        // Symbol at position p is letter index 5 - p in "FHIMST".
        for (var k = 0; k < 6; k++)
            for (var p = 0; p < 6; p++)
                Assert.Equal(k == 5 - p ? 1f : 0f, data[k * 6 + p]);
    }
}

public class EncodingSpecJsonTests
{
    [Fact]
    public void Specs_round_trip_through_JSON_with_value_equality()
    {
        foreach (var spec in new[] { ManifestExamples.ResidualBindEncoding, ManifestExamples.DeepRiPeEncoding })
        {
            var bytes = Json.ContractsJson.Serialize(spec);
            var back = Json.ContractsJson.Deserialize<EncodingSpec>(bytes);
            Assert.Equal(spec, back);
            Assert.Equal(spec.GetHashCode(), back.GetHashCode());
            Assert.NotEqual(spec, back with { Tracks = [.. back.Tracks.Reverse()] } with { PaddingValue = 0.5f });
        }
        var region = (CategoricalTrackSpec)ManifestExamples.DeepRiPeEncoding.Tracks[0];
        Assert.NotEqual(ManifestExamples.DeepRiPeEncoding, ManifestExamples.DeepRiPeEncoding with { Tracks = [region with { BlankSymbols = "" }] });
    }

    [Fact]
    public void Spec_JSON_names_the_track_kind_and_rejects_unknown_policies()
    {
        var text = System.Text.Encoding.UTF8.GetString(Json.ContractsJson.Serialize(ManifestExamples.DeepRiPeEncoding));
        Assert.Contains("\"kind\": \"categorical\"", text);
        Assert.Contains("\"lengthPolicy\": \"left\"", text);
        Assert.Throws<System.Text.Json.JsonException>(() => Json.ContractsJson.Deserialize<EncodingSpec>(
            System.Text.Encoding.UTF8.GetBytes(text.Replace("\"left\"", "\"middle\""))));
    }
}
