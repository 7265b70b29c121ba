using System.Collections.Concurrent;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;
using RbpPipeline.Grpc;
using RbpPipeline.Grpc.Health.V1;
using RbpPipeline.InferenceServer.Grpc;
using RbpPipeline.InferenceServer.Health;
using RbpPipeline.InferenceServer.Tests.Echo;

namespace RbpPipeline.InferenceServer.Tests;

/// <summary>The test service. It records which calls saw their cancellation token fire, keyed by request message.</summary>
public sealed class EchoService(HealthStatusRegistry health) : IGrpcService
{
    public const string SecretDetail = "secret-internal-detail";

    public static ServiceDescriptor Descriptor => EchoReflection.Descriptor.FindTypeByName<ServiceDescriptor>("EchoService");

    private readonly ConcurrentDictionary<string, TaskCompletionSource> _cancelled = new();
    private readonly ConcurrentDictionary<string, bool> _started = new();

    public void Bind(GrpcServiceBinder binder) =>
        binder.Service(Descriptor)
            .Unary<EchoRequest, EchoReply>("Echo", EchoAsync)
            .ServerStreaming<EchoRequest, EchoReply>("Expand", ExpandAsync)
            .ClientStreaming<EchoRequest, EchoReply>("Collect", CollectAsync)
            .DuplexStreaming<EchoRequest, EchoReply>("Chat", ChatAsync)
            .Unary<Empty, Empty>("Ping", (_, _) => Task.FromResult(new Empty()));

    /// <summary>Completes when the handler of the call tagged <paramref name="message"/> observed cancellation.</summary>
    public Task WaitForCancellationAsync(string message, TimeSpan timeout) =>
        Signal(message).Task.WaitAsync(timeout);

    /// <summary>Whether a unary Echo handler for the call tagged <paramref name="message"/> ever ran.</summary>
    public bool HandlerStarted(string message) => _started.ContainsKey(message);

    private TaskCompletionSource Signal(string message) =>
        _cancelled.GetOrAdd(message, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    private async Task<EchoReply> EchoAsync(EchoRequest request, ServerCallContext context)
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

    private Task ExpandAsync(EchoRequest request, IServerStreamWriter<EchoReply> responses, ServerCallContext context) =>
        Observe(request, context, async () =>
        {
            await Prepare(request, context);
            if (request.FailAfter == 0) ThrowIfFailing(request);
            for (var i = 0; i < request.Count; i++)
            {
                if (request.FailAfter > 0 && i == request.FailAfter) ThrowIfFailing(request);
                await Delay(request, context);
                await responses.WriteAsync(Reply(request, context, i));
            }
            return 0;
        });

    private async Task<EchoReply> CollectAsync(IAsyncStreamReader<EchoRequest> requests, ServerCallContext context)
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

    private async Task ChatAsync(IAsyncStreamReader<EchoRequest> requests, IServerStreamWriter<EchoReply> responses,
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
        catch (OperationCanceledException) when (tag is not null)
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
        var trailers = new Metadata().Add("x-failure-bin", [0, 1, 2, 255]);
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
