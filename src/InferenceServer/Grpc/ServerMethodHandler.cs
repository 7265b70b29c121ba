using Google.Protobuf;
using Google.Protobuf.Reflection;
using RbpPipeline.Grpc;

namespace RbpPipeline.InferenceServer.Grpc;

/// <summary>A bound method: reads the request(s), runs the handler, writes the response(s).</summary>
internal abstract class ServerMethodHandler(MethodDescriptor descriptor, MethodType type)
{
    public MethodDescriptor Descriptor { get; } = descriptor;

    public MethodType Type { get; } = type;

    public bool IsStreaming => Type != MethodType.Unary;

    public abstract Task InvokeAsync(GrpcServerCall call);
}

internal sealed class UnaryMethodHandler<TRequest, TResponse>(
    GrpcMethod<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse> handler)
    : ServerMethodHandler(method.Descriptor, MethodType.Unary)
    where TRequest : class, IMessage<TRequest>, new()
    where TResponse : class, IMessage<TResponse>, new()
{
    public override async Task InvokeAsync(GrpcServerCall call)
    {
        var request = await call.ReadSingleRequestAsync(method.RequestParser);
        var response = await handler(request, call) ?? throw new InvalidOperationException($"{method.FullName} returned null");
        await call.WriteMessageAsync(response, CancellationToken.None);
    }
}

internal sealed class ServerStreamingMethodHandler<TRequest, TResponse>(
    GrpcMethod<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse> handler)
    : ServerMethodHandler(method.Descriptor, MethodType.ServerStreaming)
    where TRequest : class, IMessage<TRequest>, new()
    where TResponse : class, IMessage<TResponse>, new()
{
    public override async Task InvokeAsync(GrpcServerCall call)
    {
        var request = await call.ReadSingleRequestAsync(method.RequestParser);
        await handler(request, new ResponseStreamWriter<TResponse>(call), call);
    }
}

internal sealed class ClientStreamingMethodHandler<TRequest, TResponse>(
    GrpcMethod<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse> handler)
    : ServerMethodHandler(method.Descriptor, MethodType.ClientStreaming)
    where TRequest : class, IMessage<TRequest>, new()
    where TResponse : class, IMessage<TResponse>, new()
{
    public override async Task InvokeAsync(GrpcServerCall call)
    {
        var response = await handler(new RequestStreamReader<TRequest>(call, method.RequestParser), call)
            ?? throw new InvalidOperationException($"{method.FullName} returned null");
        await call.WriteMessageAsync(response, CancellationToken.None);
    }
}

internal sealed class DuplexStreamingMethodHandler<TRequest, TResponse>(
    GrpcMethod<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse> handler)
    : ServerMethodHandler(method.Descriptor, MethodType.DuplexStreaming)
    where TRequest : class, IMessage<TRequest>, new()
    where TResponse : class, IMessage<TResponse>, new()
{
    public override Task InvokeAsync(GrpcServerCall call) =>
        handler(new RequestStreamReader<TRequest>(call, method.RequestParser), new ResponseStreamWriter<TResponse>(call), call);
}

internal sealed class RequestStreamReader<T>(GrpcServerCall call, MessageParser<T> parser) : IAsyncStreamReader<T>
    where T : class, IMessage<T>
{
    private T? _current;

    public T Current => _current ?? throw new InvalidOperationException("MoveNext has not returned true yet.");

    public async Task<bool> MoveNext(CancellationToken cancellationToken = default)
    {
        _current = await call.ReadMessageAsync(parser, cancellationToken);
        return _current is not null;
    }
}

internal sealed class ResponseStreamWriter<T>(GrpcServerCall call) : IServerStreamWriter<T> where T : IMessage
{
    public Task WriteAsync(T message, CancellationToken cancellationToken = default) =>
        call.WriteMessageAsync(message, cancellationToken);
}
