using System.Security.Cryptography.X509Certificates;

namespace RbpPipeline.Client;

/// <summary>How a client reaches the inference server (one or several replicas); see <see cref="ServerConnection"/>.</summary>
public sealed record ServerOptions
{
    public const string DefaultServer = "http://127.0.0.1:50051";

    /// <summary>
    /// <c>http://host:port</c> (h2c) or <c>https://host:port</c> (TLS) addresses, all of one scheme, or a single
    /// <c>dns:///name:port</c> whose every resolved address is a replica. Several addresses are balanced round robin.
    /// </summary>
    public IReadOnlyList<string> Servers { get; init; } = [DefaultServer];

    /// <summary>Sent as <c>authorization: Bearer …</c> on every call; null sends none.</summary>
    public string? BearerToken { get; init; }

    /// <summary>Trust server certificates issued by (or equal to) this certificate, e.g. a private CA or a self-signed server.</summary>
    public X509Certificate2? TrustedCertificate { get; init; }

    /// <summary>Largest response message accepted; responses may be large (genome-scale batches, attribution maps).</summary>
    public int MaxReceiveMessageSize { get; init; } = 64 * 1024 * 1024;

    /// <summary>Largest request message sent; null: no client-side limit (the server enforces its own).</summary>
    public int? MaxSendMessageSize { get; init; }

    /// <summary>Compress request messages with gzip (responses are decompressed whatever this says).</summary>
    public bool Gzip { get; init; }

    /// <summary>Attempts of a call that fails with UNAVAILABLE before any response (gRPC retry policy, on another replica when there is one).</summary>
    public int MaxAttempts { get; init; } = 5;
}
