using RbpPipeline.Contracts.SequenceEncoding;
using RbpPipeline.Trainer.Data;
using RbpPipeline.Trainer.Synthetic;

namespace RbpPipeline.Trainer.Tests;

/// <summary>Raw records feed the one encoder in Contracts; nothing here one-hot encodes by itself.</summary>
public sealed class EncoderBridgeTests
{
    [Fact]
    public void Records_with_region_matrix_and_region_string_encode_to_the_same_flags()
    {
        var set = MultiTaskGenerator.Generate(new MultiTaskOptions { Count = 5 }, new DeterministicRandom(1));
        var withSymbols = set.Records.ToList();
        var withFlags = withSymbols.Select(r => r with { Tracks = [RegionTypes.ToFlags(((SymbolTrack)r.Tracks[0]).Symbols)] }).ToList();
        var categorical = new EncodingSpec
        {
            Length = 101,
            Tracks = [new CategoricalTrackSpec { Name = "region", Categories = [.. RegionTypes.Names.Select(n => new TrackCategory(n, RegionTypes.CodeOf(n).ToString()))] }],
        };
        var profile = new EncodingSpec { Length = 101, Tracks = [new ProfileTrackSpec { Name = "region", Channels = RegionTypes.Names }] };

        var fromSymbols = new InputEncoder(categorical).Encode([.. withSymbols.Select(r => r.ToInputRecord(categorical))]);
        var fromFlags = new InputEncoder(profile).Encode([.. withFlags.Select(r => r.ToInputRecord(profile))]);

        Assert.Equal(fromSymbols[1].Data, fromFlags[1].Data);
        Assert.Equal([5L, 5, 101], fromFlags[1].Shape);
        Assert.Equal(fromSymbols[0].Data, fromFlags[0].Data);
    }

    [Fact]
    public void Missing_track_names_the_record()
    {
        var spec = new EncodingSpec { Length = 4, Tracks = [CategoricalTrackSpec.OneHot("shape", ShapeStringReader.Alphabet)] };
        var record = new SequenceRecord("r7", "ACGU", [1]);

        var error = Assert.Throws<ArgumentException>(() => record.ToInputRecord(spec));

        Assert.Contains("record 'r7' has no 'shape' track", error.Message);
    }
}
