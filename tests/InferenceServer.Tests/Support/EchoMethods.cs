using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;
using RbpPipeline.Grpc;
using RbpPipeline.InferenceServer.Tests.Echo;

namespace RbpPipeline.InferenceServer.Tests.Support;

/// <summary>Client-side method handles for the test service, bound through the same descriptor checks as the server.</summary>
public static class EchoMethods
{
    public static readonly GrpcMethod<EchoRequest, EchoReply> Echo =
        GrpcMethod<EchoRequest, EchoReply>.Create(EchoService.Descriptor, "Echo", MethodType.Unary);

    public static readonly GrpcMethod<EchoRequest, EchoReply> Expand =
        GrpcMethod<EchoRequest, EchoReply>.Create(EchoService.Descriptor, "Expand", MethodType.ServerStreaming);

    public static readonly GrpcMethod<EchoRequest, EchoReply> Collect =
        GrpcMethod<EchoRequest, EchoReply>.Create(EchoService.Descriptor, "Collect", MethodType.ClientStreaming);

    public static readonly GrpcMethod<EchoRequest, EchoReply> Chat =
        GrpcMethod<EchoRequest, EchoReply>.Create(EchoService.Descriptor, "Chat", MethodType.DuplexStreaming);

    public static readonly GrpcMethod<Empty, Empty> Unbound =
        GrpcMethod<Empty, Empty>.Create(
            EchoReflection.Descriptor.FindTypeByName<ServiceDescriptor>("UnboundService"), "Nothing", MethodType.Unary);
}
