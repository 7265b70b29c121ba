using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using RbpPipeline.Client;
using RbpPipeline.InferenceServer.Tests.Echo;
using RbpPipeline.InferenceServer.Tests.Support;

namespace RbpPipeline.InferenceServer.Tests;

/// <summary>Server options that need their own server: authentication, TLS, send limits, shutdown.</summary>
public sealed class HostingTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Bearer_token_is_required_except_for_health()
    {
        await using var server = await TestServer.StartAsync(o => o.BearerTokens.Add("s3cret"));
        using (var anonymous = server.Channel())
        {
            var e = await Assert.ThrowsAsync<RpcException>(() => TestServer.EchoClient(anonymous).EchoAsync(new EchoRequest(),
                cancellationToken: Ct).ResponseAsync);
            Assert.Equal(StatusCode.Unauthenticated, e.StatusCode);
            var health = await new Health.HealthClient(anonymous.Invoker).CheckAsync(new HealthCheckRequest(), cancellationToken: Ct);
            Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health.Status);
        }
        using (var wrong = server.Channel(new ServerOptions { BearerToken = "s3cret-not" }))
        {
            var e = await Assert.ThrowsAsync<RpcException>(() => TestServer.EchoClient(wrong).EchoAsync(new EchoRequest(),
                cancellationToken: Ct).ResponseAsync);
            Assert.Equal(StatusCode.Unauthenticated, e.StatusCode);
        }
        using var authorized = server.Channel(new ServerOptions { BearerToken = "s3cret" });
        Assert.Equal("in", (await TestServer.EchoClient(authorized).EchoAsync(new EchoRequest { Message = "in" },
            cancellationToken: Ct)).Message);
    }

    [Fact]
    public async Task Health_can_be_put_behind_the_token_too()
    {
        await using var server = await TestServer.StartAsync(o =>
        {
            o.BearerTokens.Add("t");
            o.AllowUnauthenticatedHealth = false;
        });
        using var anonymous = server.Channel();
        var e = await Assert.ThrowsAsync<RpcException>(async () =>
            await new Health.HealthClient(anonymous.Invoker).CheckAsync(new HealthCheckRequest(), cancellationToken: Ct));
        Assert.Equal(StatusCode.Unauthenticated, e.StatusCode);
    }

    [Theory]
    [InlineData("pem")]
    [InlineData("pem-separate-key")]
    [InlineData("pfx")]
    public async Task Tls_from_a_certificate_file_serves_https_clients_that_trust_it(string format)
    {
        using var folder = new TempFolder();
        using var certificate = TestCertificates.SelfSignedLocalhost();
        var options = WriteCertificate(certificate, folder, format);
        await using var server = await TestServer.StartAsync(o =>
        {
            o.CertificatePath = options.Path;
            o.CertificateKeyPath = options.KeyPath;
            o.CertificatePassword = options.Password;
        });
        Assert.Equal("https", server.Address.Scheme);
        using var trusted = X509CertificateLoader.LoadCertificate(certificate.RawData);
        using var channel = server.Channel(new ServerOptions { TrustedCertificate = trusted });
        Assert.Equal("tls", (await TestServer.EchoClient(channel).EchoAsync(new EchoRequest { Message = "tls" },
            cancellationToken: Ct)).Message);

        using var untrusting = server.Channel();
        var e = await Assert.ThrowsAsync<RpcException>(() => TestServer.EchoClient(untrusting).EchoAsync(new EchoRequest(),
            cancellationToken: Ct).ResponseAsync);
        // Grpc.Net.Client reports a failed TLS handshake as INTERNAL, the certificate error attached.
        Assert.Equal(StatusCode.Internal, e.StatusCode);
        Assert.IsType<System.Security.Authentication.AuthenticationException>(e.Status.DebugException?.InnerException, exactMatch: false);
    }

    [Fact]
    public async Task Response_over_the_server_send_limit_is_resource_exhausted()
    {
        await using var server = await TestServer.StartAsync(o => o.MaxSendMessageSize = 1000);
        using var channel = server.Channel();
        var e = await Assert.ThrowsAsync<RpcException>(() => TestServer.EchoClient(channel).EchoAsync(new EchoRequest { ReplyPayloadSize = 5000 }, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.ResourceExhausted, e.StatusCode);
    }

    [Fact]
    public async Task Configured_response_compression_applies_when_the_client_accepts_it()
    {
        await using var server = await TestServer.StartAsync(o => o.ResponseCompression = "gzip");
        var raw = await RawGrpc.SendAsync(server.Address, EchoMethods.Echo,
            RawGrpc.Frame(new EchoRequest { ReplyPayloadSize = 10_000 }), [("grpc-accept-encoding", "gzip")],
            cancellationToken: Ct);
        Assert.Equal("gzip", raw.Header("grpc-encoding"));
        Assert.Equal(1, RawGrpc.ParseFrames(raw.Body)[0].Flag);

        var plain = await RawGrpc.SendAsync(server.Address, EchoMethods.Echo,
            RawGrpc.Frame(new EchoRequest { ReplyPayloadSize = 10_000 }), cancellationToken: Ct);
        Assert.Null(plain.Header("grpc-encoding"));
        Assert.Equal(0, RawGrpc.ParseFrames(plain.Body)[0].Flag);
    }

    [Fact]
    public async Task Stopping_the_host_ends_open_streams_with_unavailable_and_health_goes_not_serving()
    {
        var server = await TestServer.StartAsync();
        try
        {
            using var channel = server.Channel();
            using var stream = TestServer.EchoClient(channel).Expand(new EchoRequest { Message = "shutdown", Count = 100_000, DelayMs = 20 }, cancellationToken: Ct);
            Assert.True(await stream.ResponseStream.MoveNext(Ct));
            var health = server.Health;
            var clock = Stopwatch.StartNew();
            var stopping = server.StopAsync(Ct);
            var e = await Assert.ThrowsAsync<RpcException>(async () =>
            {
                for (var i = 0; i < 100_000 && await stream.ResponseStream.MoveNext(Ct); i++) { }
            });
            Assert.Equal(StatusCode.Unavailable, e.StatusCode);
            await stopping;
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"shutdown took {clock.Elapsed}");
            var status = await health.Check(new HealthCheckRequest { Service = "" }, null!);
            Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, status.Status);
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    [Fact]
    public async Task More_concurrent_streams_than_kestrels_default_share_one_connection()
    {
        await using var server = await TestServer.StartAsync();
        using var handler = new SocketsHttpHandler { EnableMultipleHttp2Connections = false };
        // Grpc.Net.Client itself, on a handler limited to one connection.
        using var channel = GrpcChannel.ForAddress(server.Address, new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = false });
        var echo = new Echo.EchoService.EchoServiceClient(channel);
        var calls = Enumerable.Range(0, 150).Select(_ => echo.EchoAsync(new EchoRequest { DelayMs = 1000 }, cancellationToken: Ct).ResponseAsync).ToList();
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(calls);
        // With Kestrel's default of 100 streams per connection the last 50 would wait for a second round.
        Assert.True(clock.Elapsed < TimeSpan.FromMilliseconds(1900), $"150 calls took {clock.Elapsed}");
    }

    private static (string Path, string? KeyPath, string? Password) WriteCertificate(X509Certificate2 certificate,
        TempFolder folder, string format)
    {
        var key = certificate.GetRSAPrivateKey()!.ExportPkcs8PrivateKeyPem();
        switch (format)
        {
            case "pem":
                File.WriteAllText(folder.File("server.pem"), certificate.ExportCertificatePem() + "\n" + key);
                return (folder.File("server.pem"), null, null);
            case "pem-separate-key":
                File.WriteAllText(folder.File("server.crt"), certificate.ExportCertificatePem());
                File.WriteAllText(folder.File("server.key"), key);
                return (folder.File("server.crt"), folder.File("server.key"), null);
            default:
                File.WriteAllBytes(folder.File("server.pfx"), certificate.Export(X509ContentType.Pfx, "pw"));
                return (folder.File("server.pfx"), null, "pw");
        }
    }
}
