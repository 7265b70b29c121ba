using RbpPipeline.Grpc;

namespace RbpPipeline.InferenceServer.Tests;

/// <summary>The shared encodings: grpc-timeout, grpc-message percent-encoding, binary metadata.</summary>
public sealed class WireFormatTests
{
    [Theory]
    [InlineData("2H", 2 * 36_000_000_000L)]
    [InlineData("3M", 3 * 60 * 10_000_000L)]
    [InlineData("4S", 4 * 10_000_000L)]
    [InlineData("5m", 5 * 10_000L)]
    [InlineData("6u", 60L)]
    [InlineData("700n", 7L)]
    [InlineData("1n", 1L)]
    [InlineData("99999999H", 99999999L * 36_000_000_000L)]
    public void Timeout_parses_every_unit(string text, long ticks)
    {
        Assert.True(GrpcTimeout.TryParse(text, out var timeout));
        Assert.Equal(ticks, timeout.Ticks);
    }

    [Theory]
    [InlineData("")]
    [InlineData("S")]
    [InlineData("123456789S")]
    [InlineData("10s")]
    [InlineData("-1S")]
    [InlineData("1.5S")]
    [InlineData("10")]
    public void Timeout_rejects_malformed_values(string text) => Assert.False(GrpcTimeout.TryParse(text, out _));

    [Theory]
    [InlineData(0.5)]
    [InlineData(30)]
    [InlineData(86_400)]
    [InlineData(1e9)]
    public void Timeout_format_fits_eight_digits_and_never_shortens(double seconds)
    {
        var timeout = TimeSpan.FromSeconds(seconds);
        var text = GrpcTimeout.Format(timeout);
        Assert.InRange(text.Length, 2, 9);
        Assert.True(GrpcTimeout.TryParse(text, out var back));
        Assert.True(back >= timeout);
    }

    [Theory]
    [InlineData("plain text", "plain text")]
    [InlineData("100%", "100%25")]
    [InlineData("ö", "%C3%B6")]
    [InlineData("line\nbreak", "line%0Abreak")]
    public void Percent_encoding_matches_the_spec(string text, string encoded)
    {
        Assert.Equal(encoded, PercentEncoding.Encode(text));
        Assert.Equal(text, PercentEncoding.Decode(encoded));
    }

    [Fact]
    public void Broken_percent_sequences_are_kept_rather_than_failing()
    {
        Assert.Equal("50%", PercentEncoding.Decode("50%"));
        Assert.Equal("%zz ok", PercentEncoding.Decode("%zz ok"));
    }

    [Fact]
    public void Metadata_rejects_invalid_keys_and_values()
    {
        Assert.Throws<ArgumentException>(() => new Metadata().Add("x-bin", "text"));
        Assert.Throws<ArgumentException>(() => new Metadata().Add("x-text", [1, 2]));
        Assert.Throws<ArgumentException>(() => new Metadata().Add("x-text", "non-ascii ö"));
        Assert.Throws<ArgumentException>(() => new Metadata().Add("grpc-status", "0"));
        Assert.Throws<ArgumentException>(() => new Metadata().Add("bad key", "v"));
        Assert.Equal("mixed-case", new Metadata().Add("Mixed-Case", "v")[0].Key);
    }
}
