using System.CommandLine;
using System.Security.Cryptography.X509Certificates;
using RbpPipeline.Client;

namespace RbpPipeline.Cli.Commands;

/// <summary>
/// The options every client command shares to reach a server: one or several replicas (calls are spread over them
/// round robin), bearer token, trusted CA certificate, request compression.
/// </summary>
internal sealed class ServerConnectionOptions
{
    public Option<string[]> Server { get; } = new("--server")
    {
        Description = "Server address: http://host:port, https://host:port, or dns:///name:port (every resolved address a replica); repeat for several replicas",
        DefaultValueFactory = _ => [ServerOptions.DefaultServer],
        AllowMultipleArgumentsPerToken = false,
    };

    public Option<string?> Token { get; } = new("--token") { Description = "Bearer token (or set RBP_TOKEN)" };

    public Option<FileInfo?> CaCert { get; } = new("--ca-cert") { Description = "Trust server certificates issued by this CA (or this self-signed certificate) for https:// (and makes dns:/// use TLS)" };

    public Option<bool> Gzip { get; } = new("--gzip") { Description = "Compress requests with gzip (for slow links; costs CPU on both sides)" };

    public IEnumerable<Option> All => [Server, Token, CaCert, Gzip];

    /// <summary>Client options from the parsed command line.</summary>
    public ServerOptions Options(ParseResult parse) => new()
    {
        Servers = parse.GetValue(Server) is { Length: > 0 } servers ? servers : [ServerOptions.DefaultServer],
        BearerToken = parse.GetValue(Token) ?? Environment.GetEnvironmentVariable("RBP_TOKEN"),
        TrustedCertificate = parse.GetValue(CaCert) is { } cert ? LoadCertificate(cert) : null,
        Gzip = parse.GetValue(Gzip),
    };

    /// <summary>Opens the channel (the address errors name the bad value).</summary>
    public ServerConnection Open(ParseResult parse) => ServerConnection.Open(Options(parse));

    /// <summary>Default for --in-flight: a few calls per named replica keep every replica busy.</summary>
    public int DefaultInFlight(ParseResult parse, int perReplica) => perReplica * Math.Max(1, parse.GetValue(Server)?.Length ?? 1);

    private static X509Certificate2 LoadCertificate(FileInfo file)
    {
        if (!file.Exists) throw new ArgumentException($"--ca-cert '{file.FullName}': no such file");
        return X509CertificateLoader.LoadCertificateFromFile(file.FullName);
    }
}
