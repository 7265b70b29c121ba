using System.Net;

namespace RbpPipeline.InferenceServer.Hosting;

/// <summary>How the gRPC server listens and what it accepts.</summary>
public sealed class GrpcServerOptions
{
    public const int DefaultMaxReceiveMessageSize = 4 * 1024 * 1024;

    /// <summary>Interface to listen on; loopback unless the host asks for more.</summary>
    public IPAddress Address { get; set; } = IPAddress.Loopback;

    /// <summary>TCP port; 0 picks a free one (read it back from <see cref="InferenceServerHost.Address"/>).</summary>
    public int Port { get; set; } = 50051;

    /// <summary>Largest request message accepted (after decompression); larger ones end the call with RESOURCE_EXHAUSTED.</summary>
    public int MaxReceiveMessageSize { get; set; } = DefaultMaxReceiveMessageSize;

    /// <summary>Largest response message the server sends; a handler writing more gets RESOURCE_EXHAUSTED.</summary>
    public int MaxSendMessageSize { get; set; } = int.MaxValue;

    /// <summary>Concurrent HTTP/2 streams (calls) per client connection; Kestrel's default of 100 is low for streaming clients.</summary>
    public int MaxConcurrentStreamsPerConnection { get; set; } = 1000;

    /// <summary>
    /// TLS certificate: a .pfx/.p12 file, or a PEM certificate (with the key in the same file or in
    /// <see cref="CertificateKeyPath"/>). Null serves cleartext HTTP/2 (h2c).
    /// </summary>
    public string? CertificatePath { get; set; }

    public string? CertificateKeyPath { get; set; }

    /// <summary>Password of a PFX file or of an encrypted PEM key.</summary>
    public string? CertificatePassword { get; set; }

    /// <summary>
    /// Accepted bearer tokens (<c>authorization: Bearer …</c>). Empty: no authentication. Otherwise calls
    /// without a listed token end with UNAUTHENTICATED.
    /// </summary>
    public IList<string> BearerTokens { get; } = new List<string>();

    /// <summary>Let health checks through without a token (load balancers and probes rarely carry one).</summary>
    public bool AllowUnauthenticatedHealth { get; set; } = true;

    public bool EnableHealth { get; set; } = true;

    public bool EnableReflection { get; set; } = true;

    /// <summary>
    /// Response message encoding (e.g. "gzip") used when the client accepts it. Null answers a compressed
    /// request in kind and leaves other responses uncompressed.
    /// </summary>
    public string? ResponseCompression { get; set; }

    /// <summary>Put exception type and message in the INTERNAL status of a failed handler (development only).</summary>
    public bool EnableDetailedErrors { get; set; }
}
