using RbpPipeline.Grpc;

namespace RbpPipeline.Client;

/// <summary>The request stream of a client- or bidirectional-streaming call.</summary>
public interface IClientStreamWriter<in T> : IAsyncStreamWriter<T>
{
    /// <summary>Ends the request stream (HTTP/2 END_STREAM); the server sees the end of its request messages.</summary>
    Task CompleteAsync();
}
