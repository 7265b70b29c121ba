using Microsoft.AspNetCore.Http;
using RbpPipeline.Grpc;

namespace RbpPipeline.InferenceServer.Grpc;

/// <summary>What a handler knows about its call and can do besides sending messages.</summary>
public abstract class ServerCallContext
{
    /// <summary>The HTTP/2 path, <c>/package.Service/Method</c>.</summary>
    public abstract string Method { get; }

    /// <summary>The <c>:authority</c> the client called.</summary>
    public abstract string Host { get; }

    /// <summary>The client address, as gRPC writes it (<c>ipv4:127.0.0.1:5000</c>, <c>ipv6:[::1]:5000</c>).</summary>
    public abstract string Peer { get; }

    /// <summary>The client's deadline (UTC), <see cref="DateTime.MaxValue"/> when it sent none.</summary>
    public abstract DateTime Deadline { get; }

    /// <summary>Cancelled when the client cancels, the deadline passes, or (streaming calls) the server stops.</summary>
    public abstract CancellationToken CancellationToken { get; }

    /// <summary>Custom metadata the client sent (protocol headers left out; <c>-bin</c> values decoded).</summary>
    public abstract Metadata RequestHeaders { get; }

    /// <summary>Metadata sent after the last message, with the status.</summary>
    public abstract Metadata ResponseTrailers { get; }

    /// <summary>
    /// The <c>grpc-encoding</c> for response messages (e.g. "gzip"); used only when the client accepts it.
    /// Must be set before the first message is written.
    /// </summary>
    public abstract string? ResponseCompression { get; set; }

    /// <summary>The ASP.NET Core context, for hosts that need connection or user details.</summary>
    public abstract HttpContext HttpContext { get; }

    /// <summary>Sends the response headers now (once per call, before any message); otherwise they go with the first message.</summary>
    public abstract Task WriteResponseHeadersAsync(Metadata responseHeaders);
}
