using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using RbpPipeline.Grpc;

namespace RbpPipeline.InferenceServer.Grpc;

/// <summary>
/// The request delegate behind the catch-all route: checks the protocol-level preconditions of a call, then
/// runs the bound handler and turns its outcome into a gRPC status. No exception escapes to Kestrel.
/// </summary>
internal sealed class GrpcDispatcher(
    GrpcServiceRegistry registry,
    GrpcServerOptions options,
    BearerTokenAuthenticator authenticator,
    IHostApplicationLifetime lifetime,
    ILogger<GrpcDispatcher> logger)
{
    public async Task DispatchAsync(HttpContext http)
    {
        var request = http.Request;
        if (!HttpMethods.IsPost(request.Method))
        {
            http.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            http.Response.Headers.Allow = "POST";
            return;
        }
        if (!GrpcProtocol.IsGrpcContentType(request.ContentType))
        {
            // The spec's 415 keeps non-gRPC HTTP clients from reading a 200 error response as success.
            http.Response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
            return;
        }
        if (!HttpProtocol.IsHttp2(request.Protocol) && !HttpProtocol.IsHttp3(request.Protocol))
        {
            http.Response.StatusCode = StatusCodes.Status426UpgradeRequired;
            http.Response.Headers.Upgrade = "h2c";
            return;
        }

        var path = request.Path.Value ?? "";
        if (!authenticator.IsAuthorized(path, request.Headers.Authorization))
        {
            await RejectAsync(http, new Status(StatusCode.Unauthenticated, "A valid bearer token is required."));
            return;
        }
        if (!registry.TryGetMethod(path, out var handler))
        {
            await RejectAsync(http, new Status(StatusCode.Unimplemented, UnimplementedDetail(path)));
            return;
        }
        var encoding = request.Headers[GrpcProtocol.EncodingHeader].ToString();
        if (encoding.Length == 0) encoding = GrpcCompression.Identity;
        if (!GrpcCompression.IsSupported(encoding))
        {
            await RejectAsync(http, new Status(StatusCode.Unimplemented,
                $"Message encoding '{encoding}' is not supported; supported: {GrpcCompression.AcceptEncoding}."));
            return;
        }
        TimeSpan? timeout = null;
        var timeoutHeader = request.Headers[GrpcProtocol.TimeoutHeader].ToString();
        if (timeoutHeader.Length > 0)
        {
            if (!GrpcTimeout.TryParse(timeoutHeader, out var parsed))
            {
                await RejectAsync(http, new Status(StatusCode.Internal, $"Invalid grpc-timeout value '{timeoutHeader}'."));
                return;
            }
            timeout = parsed;
        }

        // Long-lived streams would otherwise hit Kestrel's 30 MB body limit and its minimum upload rate.
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodySize)
            bodySize.MaxRequestBodySize = null;
        if (http.Features.Get<IHttpMinRequestBodyDataRateFeature>() is { } minRate)
            minRate.MinDataRate = null;

        var call = new GrpcServerCall(http, path, options, logger, encoding, DeadlineFrom(timeout));
        call.Start(timeout, handler.IsStreaming ? lifetime.ApplicationStopping : CancellationToken.None);
        Status status;
        Metadata? trailers = null;
        try
        {
            await handler.InvokeAsync(call);
            status = Status.Ok;
        }
        catch (Exception e)
        {
            (status, trailers) = MapException(e, call);
        }
        await call.FinishAsync(status, trailers);
    }

    private (Status, Metadata?) MapException(Exception e, GrpcServerCall call)
    {
        if (call.AbortStatus is { } abort) return (abort, null);
        switch (e)
        {
            case RpcException rpc:
                logger.LogDebug("gRPC call {Method} failed: {Status}", call.Method, rpc.Status);
                return (rpc.Status, rpc.Trailers);
            case OperationCanceledException:
                return (new Status(StatusCode.Cancelled, "The call was cancelled."), null);
            default:
                logger.LogError(e, "gRPC handler {Method} threw", call.Method);
                var detail = options.EnableDetailedErrors
                    ? $"Exception was thrown by handler. {e.GetType().Name}: {e.Message}"
                    : "Exception was thrown by handler.";
                return (new Status(StatusCode.Internal, detail), null);
        }
    }

    private string UnimplementedDetail(string path)
    {
        var slash = path.LastIndexOf('/');
        var service = slash > 0 ? path[1..slash] : "";
        return registry.IsKnownService(service)
            ? $"Method '{path[(slash + 1)..]}' of service '{service}' is unimplemented."
            : $"Service '{service}' is unimplemented.";
    }

    private static DateTime DeadlineFrom(TimeSpan? timeout)
    {
        if (timeout is not { } t) return DateTime.MaxValue;
        var now = DateTime.UtcNow;
        return t >= DateTime.MaxValue - now ? DateTime.MaxValue : now + t;
    }

    /// <summary>A trailers-only response for calls refused before any handler runs.</summary>
    private static async Task RejectAsync(HttpContext http, Status status)
    {
        var response = http.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = GrpcProtocol.ContentType;
        response.Headers[GrpcProtocol.AcceptEncodingHeader] = GrpcCompression.AcceptEncoding;
        response.Headers[GrpcProtocol.StatusHeader] = ((int)status.StatusCode).ToString(CultureInfo.InvariantCulture);
        if (status.Detail.Length > 0) response.Headers[GrpcProtocol.MessageHeader] = PercentEncoding.Encode(status.Detail);
        try
        {
            await response.CompleteAsync();
        }
        catch (Exception e) when (e is IOException or OperationCanceledException)
        {
            // The client is gone; nothing to tell it.
        }
    }
}
