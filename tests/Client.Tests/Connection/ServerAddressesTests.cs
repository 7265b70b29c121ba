using Grpc.Net.Client.Balancer;

namespace RbpPipeline.Client.Tests.Connection;

/// <summary>What --server accepts: one address, a list of replicas of one scheme, or one dns:/// name; bad values are named.</summary>
public sealed class ServerAddressesTests
{
    [Fact]
    public void One_http_address_is_the_channel_target()
    {
        var parsed = ServerAddresses.Parse(["http://127.0.0.1:50051"], tlsForDns: false);
        Assert.Equal(new Uri("http://127.0.0.1:50051"), parsed.Target);
        Assert.False(parsed.Tls);
        Assert.Null(parsed.StaticList);
        Assert.Equal(1, parsed.Count);
    }

    [Fact]
    public void Several_addresses_become_a_static_list_in_the_given_order()
    {
        var parsed = ServerAddresses.Parse(["https://a.example:443", "https://b.example:8443", "https://10.0.0.3:50051"], tlsForDns: false);
        Assert.Equal(ServerAddresses.StaticScheme, parsed.Target.Scheme);
        Assert.True(parsed.Tls);
        Assert.Equal(3, parsed.Count);
        Assert.Equal([("a.example", 443), ("b.example", 8443), ("10.0.0.3", 50051)],
            parsed.StaticList!.Select(a => (a.EndPoint.Host, a.EndPoint.Port)));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_dns_name_is_kept_for_the_resolver_and_uses_tls_only_when_asked(bool tls)
    {
        var parsed = ServerAddresses.Parse(["dns:///rbp-serve.default.svc:50051"], tlsForDns: tls);
        Assert.Equal("dns", parsed.Target.Scheme);
        Assert.Equal(tls, parsed.Tls);
        Assert.Null(parsed.StaticList);
    }

    [Theory]
    [InlineData("127.0.0.1:50051", "server address '127.0.0.1:50051': expected http://host:port")]
    [InlineData("grpc://host:1", "server address 'grpc://host:1': expected http://host:port")]
    [InlineData("http://host:1/path", "server address 'http://host:1/path'")]
    [InlineData("dns:///nameonly", "server address 'dns:///nameonly': expected dns:///name:port")]
    public void Bad_addresses_are_named(string address, string message)
    {
        var e = Assert.Throws<ArgumentException>(() => ServerAddresses.Parse([address], tlsForDns: false));
        Assert.StartsWith(message, e.Message);
    }

    [Fact]
    public void Mixed_schemes_duplicates_and_dns_in_a_list_are_refused()
    {
        var mixed = Assert.Throws<ArgumentException>(() => ServerAddresses.Parse(["http://a:1", "https://b:2"], false));
        Assert.Contains("'https://b:2'", mixed.Message);
        var twice = Assert.Throws<ArgumentException>(() => ServerAddresses.Parse(["http://a:1", "http://a:1/"], false));
        Assert.Contains("given twice", twice.Message);
        var dns = Assert.Throws<ArgumentException>(() => ServerAddresses.Parse(["http://a:1", "dns:///b:2"], false));
        Assert.Contains("'dns:///b:2'", dns.Message);
        Assert.Throws<ArgumentException>(() => ServerAddresses.Parse([], false));
    }

    [Fact]
    public void Opening_a_connection_checks_options_without_contacting_a_server()
    {
        // Channels connect lazily: no server listens on these ports, and nothing is sent until a call.
        using var connection = ServerConnection.Open(new ServerOptions { Servers = ["http://127.0.0.1:9", "http://127.0.0.1:10"], BearerToken = "t", Gzip = true });
        Assert.Equal(2, connection.Addresses.Count);
        Assert.Throws<ArgumentOutOfRangeException>(() => ServerConnection.Open(new ServerOptions { MaxAttempts = 0 }));
    }
}
