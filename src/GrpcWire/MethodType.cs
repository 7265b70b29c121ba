namespace RbpPipeline.Grpc;

/// <summary>The four kinds of gRPC method, from the streaming flags of the service definition.</summary>
public enum MethodType
{
    Unary,
    ClientStreaming,
    ServerStreaming,
    DuplexStreaming,
}
