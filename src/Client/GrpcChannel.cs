using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Google.Protobuf;
using RbpPipeline.Grpc;

namespace RbpPipeline.Client;

/// <summary>
/// A connection to one gRPC server (<c>http://</c> for cleartext HTTP/2, <c>https://</c> for TLS), shared by any
/// number of concurrent calls. Calls are generic over Google.Protobuf message types via <see cref="GrpcMethod{TRequest,TResponse}"/>.
/// </summary>
public sealed class GrpcChannel : IDisposable
{
    private readonly bool _ownsHandler;

    private GrpcChannel(Uri address, GrpcChannelOptions options)
    {
        if (address.Scheme != Uri.UriSchemeHttp && address.Scheme != Uri.UriSchemeHttps)
            throw new ArgumentException($"gRPC address must be http:// or https://, not '{address}'", nameof(address));
        Address = address;
        Options = options;
        _ownsHandler = options.HttpHandler is null;
        Invoker = new HttpMessageInvoker(options.HttpHandler ?? CreateHandler(options), disposeHandler: _ownsHandler);
    }

    public Uri Address { get; }

    public GrpcChannelOptions Options { get; }

    internal HttpMessageInvoker Invoker { get; }

    public static GrpcChannel ForAddress(string address, GrpcChannelOptions? options = null) =>
        new(new Uri(address), options ?? new GrpcChannelOptions());

    public static GrpcChannel ForAddress(Uri address, GrpcChannelOptions? options = null) =>
        new(address, options ?? new GrpcChannelOptions());

    public AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(GrpcMethod<TRequest, TResponse> method,
        TRequest request, CallOptions options = default)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new()
    {
        ArgumentNullException.ThrowIfNull(request);
        var call = Start(method, MethodType.Unary, options, request);
        return new AsyncUnaryCall<TResponse>(ReleaseAfter(call, call.ReadSingleResponseAsync()), call.ResponseHeadersAsync,
            call.GetStatus, call.GetTrailers, call);
    }

    /// <summary>A unary call in one await.</summary>
    public async Task<TResponse> UnaryAsync<TRequest, TResponse>(GrpcMethod<TRequest, TResponse> method, TRequest request,
        CallOptions options = default)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new()
    {
        using var call = AsyncUnaryCall(method, request, options);
        return await call.ResponseAsync.ConfigureAwait(false);
    }

    public AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(
        GrpcMethod<TRequest, TResponse> method, TRequest request, CallOptions options = default)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new()
    {
        ArgumentNullException.ThrowIfNull(request);
        var call = Start(method, MethodType.ServerStreaming, options, request);
        return new AsyncServerStreamingCall<TResponse>(call, call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, call);
    }

    public AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(
        GrpcMethod<TRequest, TResponse> method, CallOptions options = default)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new()
    {
        var call = Start(method, MethodType.ClientStreaming, options, null);
        return new AsyncClientStreamingCall<TRequest, TResponse>(call, ReleaseAfter(call, call.ReadSingleResponseAsync()),
            call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, call);
    }

    public AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(
        GrpcMethod<TRequest, TResponse> method, CallOptions options = default)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new()
    {
        var call = Start(method, MethodType.DuplexStreaming, options, null);
        return new AsyncDuplexStreamingCall<TRequest, TResponse>(call, call, call.ResponseHeadersAsync, call.GetStatus,
            call.GetTrailers, call);
    }

    public void Dispose() => Invoker.Dispose();

    private ClientCall<TRequest, TResponse> Start<TRequest, TResponse>(GrpcMethod<TRequest, TResponse> method,
        MethodType expected, CallOptions options, TRequest? request)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new()
    {
        ArgumentNullException.ThrowIfNull(method);
        if (method.Type != expected)
            throw new GrpcBindingException($"Method '{method.FullName}' is {method.Type}, not {expected}.");
        var call = new ClientCall<TRequest, TResponse>(this, method, options);
        call.Start(request);
        return call;
    }

    /// <summary>Single-response calls free their HTTP resources as soon as the response (or failure) is in.</summary>
    private static async Task<T> ReleaseAfter<T>(IDisposable call, Task<T> response)
    {
        try
        {
            return await response.ConfigureAwait(false);
        }
        finally
        {
            call.Dispose();
        }
    }

    private static SocketsHttpHandler CreateHandler(GrpcChannelOptions options)
    {
        var handler = new SocketsHttpHandler
        {
            // Many concurrent streams must not queue behind one connection's stream limit.
            EnableMultipleHttp2Connections = true,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            KeepAlivePingDelay = TimeSpan.FromSeconds(60),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(30),
            UseProxy = false,
            UseCookies = false,
            AllowAutoRedirect = false,
        };
        var validation = options.ServerCertificateValidation ?? TrustOnly(options.TrustedServerCertificate);
        if (validation is not null) handler.SslOptions.RemoteCertificateValidationCallback = validation;
        return handler;
    }

    private static RemoteCertificateValidationCallback? TrustOnly(X509Certificate2? trusted)
    {
        if (trusted is null) return null;
        return (_, certificate, _, errors) =>
        {
            if (errors == SslPolicyErrors.None) return true;
            if (certificate is not X509Certificate2 presented) return false;
            if ((errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None) return false;
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(trusted);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            return chain.Build(presented);
        };
    }
}
