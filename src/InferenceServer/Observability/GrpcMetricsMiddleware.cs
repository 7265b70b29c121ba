using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Grpc.AspNetCore.Server;
using Grpc.Core;

namespace RbpPipeline.InferenceServer.Observability;

/// <summary>
/// Records every gRPC call (method, final status code, duration) from the outside of the gRPC layer: the status is
/// read back from the response (the <c>grpc-status</c> of a trailers-only response, or the trailers), so refusals
/// made before a handler ran (UNAUTHENTICATED, UNIMPLEMENTED, malformed messages) are counted too.
/// </summary>
public static class GrpcMetricsMiddleware
{
    private static readonly string[] CodeNames =
    [
        "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS",
        "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED",
        "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
    ];

    /// <summary>The protocol's name of a status code, e.g. INVALID_ARGUMENT.</summary>
    public static string NameOf(StatusCode code) => (int)code is >= 0 and < 17 ? CodeNames[(int)code] : ((int)code).ToString();

    public static IApplicationBuilder UseRbpGrpcMetrics(this IApplicationBuilder app)
    {
        var metrics = app.ApplicationServices.GetRequiredService<ServerMetrics>();
        return app.Use(async (context, next) =>
        {
            if (context.Request.ContentType is not { } type || !type.StartsWith("application/grpc", StringComparison.Ordinal))
            {
                await next(context);
                return;
            }
            var started = Stopwatch.GetTimestamp();
            try
            {
                await next(context);
            }
            finally
            {
                var code = StatusOf(context);
                var method = code == "UNIMPLEMENTED" ? "(unimplemented)" : context.Request.Path.Value?.TrimStart('/') ?? "";
                metrics.RecordRequest(method, code, Stopwatch.GetElapsedTime(started).TotalSeconds);
            }
        });
    }

    /// <summary>
    /// The call's final status. A call whose client reset the stream (it cancelled, or its own deadline timer fired
    /// first) never received one, whatever the handler's outcome set: it counts as DEADLINE_EXCEEDED when its deadline
    /// had passed, else CANCELLED.
    /// </summary>
    private static string StatusOf(HttpContext context)
    {
        if (context.RequestAborted.IsCancellationRequested)
        {
            var deadline = context.Features.Get<IServerCallContextFeature>()?.ServerCallContext.Deadline ?? DateTime.MaxValue;
            return DateTime.UtcNow >= deadline ? "DEADLINE_EXCEEDED" : "CANCELLED";
        }
        var value = context.Response.Headers["grpc-status"].ToString();
        if (value.Length == 0 && context.Features.Get<IHttpResponseTrailersFeature>() is { } trailers)
            value = trailers.Trailers["grpc-status"].ToString();
        if (value.Length == 0) return "UNKNOWN";
        return int.TryParse(value, out var code) ? NameOf((StatusCode)code) : "UNKNOWN";
    }
}
