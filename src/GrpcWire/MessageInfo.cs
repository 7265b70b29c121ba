using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace RbpPipeline.Grpc;

/// <summary>The descriptor and parser of a generated message type, looked up once per type.</summary>
public static class MessageInfo<T> where T : class, IMessage<T>, new()
{
    public static readonly MessageParser<T> Parser = new(() => new T());

    public static readonly MessageDescriptor Descriptor = new T().Descriptor;
}
