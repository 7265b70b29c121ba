using System.Net;
using System.Security.Cryptography.X509Certificates;
using RbpPipeline.InferenceServer.Tests.Support;
using RbpPipeline.TestSupport;

namespace RbpPipeline.InferenceServer.Tests.Explorer;

/// <summary>
/// With TLS configured for gRPC, the explorer's port serves the page and its JSON calls over HTTPS with the same
/// certificate (and nothing in cleartext), and its JSON calls still ask for the bearer token. No browser needed:
/// plain HTTP clients check what the port accepts.
/// </summary>
public sealed class ExplorerTlsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task WithTls_ThePageAndItsCallsAreHttpsWithTheGrpcCertificate_AndTheTokenIsStillAsked()
    {
        using var folder = new TempFolder();
        using var certificate = TestCertificates.SelfSignedLocalhost();
        File.WriteAllText(folder.File("server.pem"), certificate.ExportCertificatePem() + "\n" + certificate.GetRSAPrivateKey()!.ExportPkcs8PrivateKeyPem());
        await using var server = await ExplorerServer.StartAsync(token: "tls-token", configureGrpc: o => o.CertificatePath = folder.File("server.pem"));

        Assert.Equal("https", server.Page.Scheme);
        using var trusting = Client(certificate);
        var page = await trusting.GetAsync(server.Page, Ct);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("rbp explorer", await page.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);

        var models = new Uri(server.Page, "/api/v1/models");
        Assert.Equal(HttpStatusCode.Unauthorized, (await trusting.GetAsync(models, Ct)).StatusCode);
        using var withToken = new HttpRequestMessage(HttpMethod.Get, models);
        withToken.Headers.Authorization = new("Bearer", "tls-token");
        var listed = await trusting.SendAsync(withToken, Ct);
        Assert.Equal(HttpStatusCode.OK, listed.StatusCode);
        Assert.Contains("\"motif\"", await listed.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);

        // A client that does not trust the certificate is refused at the handshake; cleartext gets no page.
        using var untrusting = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        await Assert.ThrowsAsync<HttpRequestException>(() => untrusting.GetAsync(server.Page, Ct));
        var cleartext = new UriBuilder(server.Page) { Scheme = "http" }.Uri;
        await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            var response = await untrusting.GetAsync(cleartext, Ct);
            if (!response.IsSuccessStatusCode) throw new HttpRequestException($"cleartext answered {(int)response.StatusCode}");
        });
    }

    private static HttpClient Client(X509Certificate2 trusted)
    {
        var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, presented, _, _) => presented is not null && presented.Thumbprint == trusted.Thumbprint,
        };
        return new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(10) };
    }
}
