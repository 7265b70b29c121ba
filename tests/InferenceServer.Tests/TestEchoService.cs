using System.Collections.Concurrent;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.HealthCheck;
using RbpPipeline.InferenceServer.Hosting;
using RbpPipeline.InferenceServer.Tests.Echo;

namespace RbpPipeline.InferenceServer.Tests;

/// <summary>The test service. It records which calls saw their cancellation token fire, keyed by request message.</summary>
/// <remarks>Expand, like the server's streaming services, ends at once with UNAVAILABLE when the host stops.</remarks>
public sealed class TestEchoService(HealthServiceImpl health, ServerStopping stopping) : EchoService.EchoServiceBase
{
    public const string SecretDetail = "secret-internal-detail";

    private readonly ConcurrentDictionary<string, TaskCompletionSource> _cancelled = new();
    private readonly ConcurrentDictionary<string, bool> _started = new();

    public override Task<Empty> Ping(Empty request, ServerCallContext context) => Task.FromResult(new Empty());

    /// <summary>Completes when the handler of the call tagged <paramref name="message"/> observed cancellation.</summary>
    public Task WaitForCancellationAsync(string message, TimeSpan timeout) =>
        Signal(message).Task.WaitAsync(timeout);

    /// <summary>Whether a unary Echo handler for the call tagged <paramref name="message"/> ever ran.</summary>
    public bool HandlerStarted(string message) => _started.ContainsKey(message);

    private TaskCompletionSource Signal(string message) =>
        _cancelled.GetOrAdd(message, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    public override async Task<EchoReply> Echo(EchoRequest request, ServerCallContext context)
    {
        _started[request.Message] = true;
        await Prepare(request, context);
        return await Observe(request, context, async () =>
        {
            await Delay(request, context);
            ThrowIfFailing(request);
            return Reply(request, context, 0);
        });
    }

    public override Task Expand(EchoRequest request, IServerStreamWriter<EchoReply> responses, ServerCallContext context) =>
        Observe(request, context, async () =>
        {
            using var call = stopping.Link(context);
            await Prepare(request, context);
            if (request.FailAfter == 0) ThrowIfFailing(request);
            for (var i = 0; i < request.Count; i++)
            {
                if (request.FailAfter > 0 && i == request.FailAfter) ThrowIfFailing(request);
                if (request.DelayMs > 0) await Task.Delay(request.DelayMs, call.Token);
                await responses.WriteAsync(Reply(request, context, i), call.Token);
            }
            return 0;
        });

    public override async Task<EchoReply> Collect(IAsyncStreamReader<EchoRequest> requests, ServerCallContext context)
    {
        var messages = new List<string>();
        EchoRequest? last = null;
        await foreach (var request in requests.ReadAllAsync(context.CancellationToken))
        {
            ThrowIfFailing(request);
            messages.Add(request.Message);
            last = request;
        }
        var reply = Reply(last ?? new EchoRequest(), context, 0);
        reply.Message = string.Join(",", messages);
        reply.Count = messages.Count;
        return reply;
    }

    public override async Task Chat(IAsyncStreamReader<EchoRequest> requests, IServerStreamWriter<EchoReply> responses,
        ServerCallContext context)
    {
        var index = 0;
        string? tag = null;
        try
        {
            while (await requests.MoveNext(context.CancellationToken))
            {
                var request = requests.Current;
                tag ??= request.Message;
                await Delay(request, context);
                ThrowIfFailing(request);
                await responses.WriteAsync(Reply(request, context, index++));
            }
        }
        catch (Exception e) when (tag is not null && (e is OperationCanceledException || context.CancellationToken.IsCancellationRequested))
        {
            Signal(tag).TrySetResult();
            throw;
        }
    }

    private async Task<T> Observe<T>(EchoRequest request, ServerCallContext context, Func<Task<T>> body)
    {
        try
        {
            return await body();
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            Signal(request.Message).TrySetResult();
            throw;
        }
    }

    private async Task Prepare(EchoRequest request, ServerCallContext context)
    {
        if (request.HealthChange is { } change)
            health.SetStatus(change.Service, (HealthCheckResponse.Types.ServingStatus)change.Status);
        if (request.ThrowException) throw new InvalidOperationException(SecretDetail);
        if (request.EchoMetadata)
        {
            var echoed = new Metadata();
            foreach (var entry in context.RequestHeaders.Where(e => e.Key.StartsWith("x-", StringComparison.Ordinal)))
            {
                echoed.Add(entry);
                context.ResponseTrailers.Add(entry);
            }
            await context.WriteResponseHeadersAsync(echoed);
        }
    }

    private static Task Delay(EchoRequest request, ServerCallContext context) =>
        request.DelayMs > 0 ? Task.Delay(request.DelayMs, context.CancellationToken) : Task.CompletedTask;

    private static void ThrowIfFailing(EchoRequest request)
    {
        if (request.Fail is not { } fail) return;
        var trailers = new Metadata { { "x-failure-bin", new byte[] { 0, 1, 2, 255 } } };
        throw new RpcException(new Status((StatusCode)fail.Code, fail.Message), trailers);
    }

    private static EchoReply Reply(EchoRequest request, ServerCallContext context, int index)
    {
        var reply = new EchoReply
        {
            Message = request.Message,
            Index = index,
            Peer = context.Peer,
            DeadlineSet = context.Deadline != DateTime.MaxValue,
            Payload = request.ReplyPayloadSize > 0 ? ByteString.CopyFrom(new byte[request.ReplyPayloadSize]) : request.Payload,
        };
        reply.MetadataKeys.AddRange(context.RequestHeaders.Select(e => e.Key).Distinct());
        return reply;
    }
}
