using System.Diagnostics;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;
using RbpPipeline.Contracts.SequenceEncoding;
using RbpPipeline.InferenceServer.Batching;
using RbpPipeline.InferenceServer.Hosting;
using RbpPipeline.InferenceServer.Models;
using RbpPipeline.InferenceServer.Services;

namespace RbpPipeline.InferenceServer.Interceptors;

/// <summary>
/// The one place where exceptions become gRPC statuses, and where every call is logged (with event ids, see
/// <see cref="CallLog"/>). Handlers throw what they mean: <see cref="RpcException"/> for a status they chose,
/// argument and encoding errors (the request's fault) → INVALID_ARGUMENT, <see cref="ModelNotFoundException"/> →
/// NOT_FOUND, <see cref="RequestLimitException"/> → RESOURCE_EXHAUSTED, a closed batcher or a server that is stopping
/// → UNAVAILABLE, anything else (ONNX Runtime failures, bugs) → INTERNAL, with the detail in the log only.
/// </summary>
public sealed class ExceptionStatusInterceptor(ILogger<ExceptionStatusInterceptor> logger, ServerStopping stopping, GrpcServerOptions options)
    : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var response = await continuation(request, context).ConfigureAwait(false);
            CallLog.Completed(logger, context.Method, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            return response;
        }
        catch (Exception e)
        {
            throw Map(e, context);
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await continuation(request, responseStream, context).ConfigureAwait(false);
            CallLog.Completed(logger, context.Method, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        catch (Exception e)
        {
            throw Map(e, context);
        }
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var response = await continuation(requestStream, context).ConfigureAwait(false);
            CallLog.Completed(logger, context.Method, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            return response;
        }
        catch (Exception e)
        {
            throw Map(e, context);
        }
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await continuation(requestStream, responseStream, context).ConfigureAwait(false);
            CallLog.Completed(logger, context.Method, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        catch (Exception e)
        {
            throw Map(e, context);
        }
    }

    private Exception Map(Exception e, ServerCallContext context)
    {
        var status = StatusOf(e, context);
        if (status is null)
        {
            // The client went away or its deadline passed: grpc-dotnet reports CANCELLED / DEADLINE_EXCEEDED itself.
            CallLog.Cancelled(logger, context.Method);
            return e;
        }
        var s = status.Value;
        if (s.StatusCode == StatusCode.Internal)
        {
            CallLog.Failed(logger, context.Method, e);
            if (options.EnableDetailedErrors) s = new Status(StatusCode.Internal, $"{e.GetType().Name}: {e.Message}");
        }
        else
        {
            CallLog.Refused(logger, context.Method, s.StatusCode, s.Detail);
        }
        var trailers = (e as RpcException ?? e.InnerException as RpcException)?.Trailers ?? Metadata.Empty;
        return e is RpcException rpc && rpc.Status.Equals(s) ? rpc : new RpcException(s, trailers, s.Detail);
    }

    /// <summary>The status for an exception; null for a call the client itself cancelled (or whose deadline passed).</summary>
    private Status? StatusOf(Exception e, ServerCallContext context) => e switch
    {
        RpcException rpc => rpc.Status,
        StreamRequestException request => StatusOf(request.InnerException!, context) is { } inner
            ? new Status(inner.StatusCode, $"{request.Label}: {inner.Detail}")
            : null,
        OperationCanceledException when context.CancellationToken.IsCancellationRequested => null,
        OperationCanceledException when stopping.IsStopping => new Status(StatusCode.Unavailable, "the server is shutting down; retry on another replica"),
        RequestLimitException limit => new Status(StatusCode.ResourceExhausted, limit.Message),
        ModelNotFoundException notFound => new Status(StatusCode.NotFound, notFound.Message),
        BatcherClosedException closed => new Status(StatusCode.Unavailable, closed.Message),
        ArgumentException or SequenceEncodingException => new Status(StatusCode.InvalidArgument, e.Message),
        OnnxRuntimeException ort => new Status(StatusCode.Internal, $"the model failed to run: {ort.Message}"),
        _ => new Status(StatusCode.Internal, "internal error (the server log has the details)"),
    };
}

/// <summary>Log messages of gRPC calls, each with its own event id (filter on them in structured logs).</summary>
internal static partial class CallLog
{
    [LoggerMessage(EventId = 1100, Level = LogLevel.Debug, Message = "{Method} completed in {Milliseconds:F1} ms")]
    public static partial void Completed(ILogger logger, string method, double milliseconds);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Information, Message = "{Method} refused: {Code} {Detail}")]
    public static partial void Refused(ILogger logger, string method, StatusCode code, string detail);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Debug, Message = "{Method} cancelled by the client or its deadline")]
    public static partial void Cancelled(ILogger logger, string method);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Error, Message = "{Method} failed")]
    public static partial void Failed(ILogger logger, string method, Exception exception);
}
