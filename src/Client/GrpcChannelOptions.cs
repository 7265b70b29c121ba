using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace RbpPipeline.Client;

/// <summary>Settings shared by every call on a channel.</summary>
public sealed class GrpcChannelOptions
{
    public const int DefaultMaxReceiveMessageSize = 4 * 1024 * 1024;

    /// <summary>A handler to send through instead of the channel's own HTTP/2 handler (not disposed by the channel).</summary>
    public HttpMessageHandler? HttpHandler { get; set; }

    /// <summary>Largest response message accepted (after decompression); larger ones fail the call with RESOURCE_EXHAUSTED.</summary>
    public int MaxReceiveMessageSize { get; set; } = DefaultMaxReceiveMessageSize;

    public int MaxSendMessageSize { get; set; } = int.MaxValue;

    /// <summary>Compress request messages ("gzip" or "deflate"); null sends them uncompressed.</summary>
    public string? RequestCompression { get; set; }

    /// <summary>Sent as <c>authorization: Bearer …</c> on every call.</summary>
    public string? BearerToken { get; set; }

    /// <summary>Trust server certificates issued by (or equal to) this certificate, e.g. a self-signed server's own.</summary>
    public X509Certificate2? TrustedServerCertificate { get; set; }

    /// <summary>Full control over server certificate validation; takes precedence over <see cref="TrustedServerCertificate"/>.</summary>
    public RemoteCertificateValidationCallback? ServerCertificateValidation { get; set; }

    public string UserAgent { get; set; } = "grpc-csharp-rbp/1.0";
}
