using Grpc.Core;
using Grpc.Core.Interceptors;

namespace RbpPipeline.Client;

/// <summary>
/// Adds fixed request headers to every call: the bearer token (which a CallCredentials would refuse to send over
/// h2c, and a loopback server without TLS is a supported setup) and Grpc.Net.Client's request-compression switch.
/// </summary>
public sealed class HeadersInterceptor(IReadOnlyList<KeyValuePair<string, string>> headers) : Interceptor
{
    /// <summary>The header Grpc.Net.Client reads to compress a call's request messages ("gzip").</summary>
    public const string RequestCompressionHeader = "grpc-internal-encoding-request";

    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(TRequest request, ClientInterceptorContext<TRequest, TResponse> context,
        AsyncUnaryCallContinuation<TRequest, TResponse> continuation) => continuation(request, With(context));

    public override TResponse BlockingUnaryCall<TRequest, TResponse>(TRequest request, ClientInterceptorContext<TRequest, TResponse> context,
        BlockingUnaryCallContinuation<TRequest, TResponse> continuation) => continuation(request, With(context));

    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(TRequest request,
        ClientInterceptorContext<TRequest, TResponse> context, AsyncServerStreamingCallContinuation<TRequest, TResponse> continuation) =>
        continuation(request, With(context));

    public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(
        ClientInterceptorContext<TRequest, TResponse> context, AsyncClientStreamingCallContinuation<TRequest, TResponse> continuation) =>
        continuation(With(context));

    public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(
        ClientInterceptorContext<TRequest, TResponse> context, AsyncDuplexStreamingCallContinuation<TRequest, TResponse> continuation) =>
        continuation(With(context));

    private ClientInterceptorContext<TRequest, TResponse> With<TRequest, TResponse>(ClientInterceptorContext<TRequest, TResponse> context)
        where TRequest : class where TResponse : class
    {
        var merged = new Metadata();
        foreach (var entry in context.Options.Headers ?? []) merged.Add(entry);
        foreach (var (key, value) in headers)
            if (merged.Get(key) is null) merged.Add(key, value); // a call's own value wins
        return new ClientInterceptorContext<TRequest, TResponse>(context.Method, context.Host, context.Options.WithHeaders(merged));
    }
}
