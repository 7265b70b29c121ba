using RbpPipeline.Grpc;

namespace RbpPipeline.InferenceServer.Grpc;

/// <summary>Writes response messages of a streaming call; one write may be pending at once.</summary>
public interface IServerStreamWriter<in T> : IAsyncStreamWriter<T>;

public delegate Task<TResponse> UnaryServerMethod<in TRequest, TResponse>(TRequest request, ServerCallContext context);

public delegate Task<TResponse> ClientStreamingServerMethod<TRequest, TResponse>(
    IAsyncStreamReader<TRequest> requestStream, ServerCallContext context);

public delegate Task ServerStreamingServerMethod<in TRequest, TResponse>(
    TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context);

public delegate Task DuplexStreamingServerMethod<TRequest, TResponse>(
    IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context);

/// <summary>
/// A gRPC service implementation. <see cref="Bind"/> attaches handlers to the methods of the protobuf service
/// descriptor; it runs once at startup (from <c>MapRbpGrpc</c>), so binding mistakes stop the server before it
/// listens.
/// </summary>
public interface IGrpcService
{
    void Bind(GrpcServiceBinder binder);
}
