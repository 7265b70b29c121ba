using System.CommandLine;
using System.Security.Cryptography.X509Certificates;
using RbpPipeline.Client;

namespace RbpPipeline.Cli.Commands;

/// <summary>The options every client command shares to reach a server (address, bearer token, trusted certificate).</summary>
internal sealed class ServerConnectionOptions
{
    public Option<string> Server { get; } = new("--server") { Description = "Server address", DefaultValueFactory = _ => "http://127.0.0.1:50051" };

    public Option<string?> Token { get; } = new("--token") { Description = "Bearer token (or set RBP_TOKEN)" };

    public Option<FileInfo?> CaCert { get; } = new("--ca-cert") { Description = "Trust this (self-signed) server certificate for https://" };

    public IEnumerable<Option> All => [Server, Token, CaCert];

    /// <summary>Channel options from the parsed command line; responses may be large (genome-scale batches).</summary>
    public GrpcChannelOptions ChannelOptions(ParseResult parse)
    {
        var options = new GrpcChannelOptions
        {
            BearerToken = parse.GetValue(Token) ?? Environment.GetEnvironmentVariable("RBP_TOKEN"),
            MaxReceiveMessageSize = 64 * 1024 * 1024,
        };
        if (parse.GetValue(CaCert) is { } cert) options.TrustedServerCertificate = X509CertificateLoader.LoadCertificateFromFile(cert.FullName);
        return options;
    }
}
