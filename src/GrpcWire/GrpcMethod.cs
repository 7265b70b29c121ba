using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace RbpPipeline.Grpc;

/// <summary>
/// A method of a protobuf service bound to C# message types. Creating one checks the types and the streaming
/// kind against the service descriptor, so a mismatch fails where the binding is written (at startup on the
/// server, at client construction), never on the first call.
/// </summary>
public sealed class GrpcMethod<TRequest, TResponse>
    where TRequest : class, IMessage<TRequest>, new()
    where TResponse : class, IMessage<TResponse>, new()
{
    private GrpcMethod(MethodDescriptor descriptor, MethodType type)
    {
        Descriptor = descriptor;
        Type = type;
        FullName = $"/{descriptor.Service.FullName}/{descriptor.Name}";
    }

    public MethodDescriptor Descriptor { get; }

    public MethodType Type { get; }

    /// <summary>The HTTP/2 path, <c>/package.Service/Method</c>.</summary>
    public string FullName { get; }

    public string ServiceName => Descriptor.Service.FullName;

    public string Name => Descriptor.Name;

    public MessageParser<TRequest> RequestParser => MessageInfo<TRequest>.Parser;

    public MessageParser<TResponse> ResponseParser => MessageInfo<TResponse>.Parser;

    /// <summary>Binds <paramref name="methodName"/> of <paramref name="service"/>; throws <see cref="GrpcBindingException"/> on any mismatch.</summary>
    public static GrpcMethod<TRequest, TResponse> Create(ServiceDescriptor service, string methodName, MethodType type)
    {
        ArgumentNullException.ThrowIfNull(service);
        var method = service.FindMethodByName(methodName)
            ?? throw new GrpcBindingException(
                $"Service '{service.FullName}' has no method '{methodName}' (it has: {string.Join(", ", service.Methods.Select(m => m.Name))}).");
        return Create(method, type);
    }

    public static GrpcMethod<TRequest, TResponse> Create(MethodDescriptor method, MethodType type)
    {
        ArgumentNullException.ThrowIfNull(method);
        var name = $"{method.Service.FullName}.{method.Name}";
        var actual = method.GetMethodType();
        if (actual != type)
            throw new GrpcBindingException($"Method '{name}' is {Describe(actual)} but was bound as {Describe(type)}.");
        CheckMessage(name, "request", method.InputType, MessageInfo<TRequest>.Descriptor, typeof(TRequest));
        CheckMessage(name, "response", method.OutputType, MessageInfo<TResponse>.Descriptor, typeof(TResponse));
        return new GrpcMethod<TRequest, TResponse>(method, type);
    }

    private static void CheckMessage(string method, string role, MessageDescriptor expected, MessageDescriptor actual, Type clrType)
    {
        if (!ReferenceEquals(expected, actual) && expected.FullName != actual.FullName)
            throw new GrpcBindingException(
                $"Method '{method}' takes {role} type '{expected.FullName}' but was bound with {clrType.FullName} ('{actual.FullName}').");
    }

    private static string Describe(MethodType type) => type switch
    {
        MethodType.Unary => "unary",
        MethodType.ClientStreaming => "client-streaming",
        MethodType.ServerStreaming => "server-streaming",
        _ => "bidirectional-streaming",
    };
}

public static class MethodDescriptorExtensions
{
    /// <summary>The kind of a method, from its streaming flags.</summary>
    public static MethodType GetMethodType(this MethodDescriptor method) => (method.IsClientStreaming, method.IsServerStreaming) switch
    {
        (false, false) => MethodType.Unary,
        (true, false) => MethodType.ClientStreaming,
        (false, true) => MethodType.ServerStreaming,
        (true, true) => MethodType.DuplexStreaming,
    };
}

/// <summary>A handler or client method does not match the service definition it claims to implement.</summary>
public sealed class GrpcBindingException(string message) : InvalidOperationException(message);
