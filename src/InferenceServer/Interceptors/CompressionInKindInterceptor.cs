using Grpc.AspNetCore.Server;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.AspNetCore.Http;

namespace RbpPipeline.InferenceServer.Interceptors;

/// <summary>
/// Answers a compressed request in kind when the server has no response compression configured: a client that pays
/// for compressing its request (a large batch of sequences) usually wants the large answer compressed too. It uses
/// grpc-dotnet's per-call switch, the <c>grpc-internal-encoding-request</c> response header, which sends the
/// response headers at once; calls with uncompressed requests are left alone.
/// </summary>
public sealed class CompressionInKindInterceptor : Interceptor
{
    private const string PerCallEncoding = "grpc-internal-encoding-request";

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        await AnswerInKindAsync(context).ConfigureAwait(false);
        return await continuation(request, context).ConfigureAwait(false);
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await AnswerInKindAsync(context).ConfigureAwait(false);
        await continuation(request, responseStream, context).ConfigureAwait(false);
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await AnswerInKindAsync(context).ConfigureAwait(false);
        return await continuation(requestStream, context).ConfigureAwait(false);
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await AnswerInKindAsync(context).ConfigureAwait(false);
        await continuation(requestStream, responseStream, context).ConfigureAwait(false);
    }

    private static Task AnswerInKindAsync(ServerCallContext context)
    {
        var headers = context.GetHttpContext().Request.Headers;
        var encoding = headers["grpc-encoding"].ToString();
        if (encoding is not ("gzip" or "deflate")) return Task.CompletedTask;
        var accepted = headers["grpc-accept-encoding"].ToString().Split(',', StringSplitOptions.TrimEntries);
        if (!accepted.Contains(encoding, StringComparer.Ordinal)) return Task.CompletedTask;
        return context.WriteResponseHeadersAsync(new Metadata { { PerCallEncoding, encoding } });
    }
}
