using Google.Protobuf;
using Grpc.Core;

namespace RbpPipeline.InferenceServer.Tests.Support;

/// <summary>
/// Grpc.Net.Client method handles for services whose messages this assembly does not generate clients for (health
/// and reflection, whose message types come from the server's assembly).
/// </summary>
public static class ClientMethods
{
    public static Method<TRequest, TResponse> Create<TRequest, TResponse>(MethodType type, string service, string name)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new() =>
        new(type, service, name, Marshaller<TRequest>(), Marshaller<TResponse>());

    private static Marshaller<T> Marshaller<T>() where T : class, IMessage<T>, new() =>
        Marshallers.Create(m => m.ToByteArray(), bytes => new MessageParser<T>(() => new T()).ParseFrom(bytes));
}
