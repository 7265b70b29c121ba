using Google.Protobuf;
using Google.Protobuf.Reflection;
using RbpPipeline.Grpc;

namespace RbpPipeline.InferenceServer.Grpc;

/// <summary>Collects the handlers of every service; each binding is checked against the descriptor as it is made.</summary>
public sealed class GrpcServiceBinder
{
    private readonly Dictionary<string, ServerMethodHandler> _methods;
    private readonly List<ServiceDescriptor> _services;

    internal GrpcServiceBinder(Dictionary<string, ServerMethodHandler> methods, List<ServiceDescriptor> services)
    {
        _methods = methods;
        _services = services;
    }

    /// <summary>Starts binding the methods of one service (each service may be bound once per server).</summary>
    public GrpcServiceBinding Service(ServiceDescriptor service)
    {
        ArgumentNullException.ThrowIfNull(service);
        if (_services.Any(s => s.FullName == service.FullName))
            throw new GrpcBindingException($"Service '{service.FullName}' is bound twice.");
        _services.Add(service);
        return new GrpcServiceBinding(service, _methods);
    }
}

/// <summary>Binds handlers to the methods of one service. Methods left unbound answer UNIMPLEMENTED.</summary>
public sealed class GrpcServiceBinding
{
    private readonly Dictionary<string, ServerMethodHandler> _methods;

    internal GrpcServiceBinding(ServiceDescriptor service, Dictionary<string, ServerMethodHandler> methods)
    {
        Service = service;
        _methods = methods;
    }

    public ServiceDescriptor Service { get; }

    public GrpcServiceBinding Unary<TRequest, TResponse>(string method, UnaryServerMethod<TRequest, TResponse> handler)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new() =>
        Add(new UnaryMethodHandler<TRequest, TResponse>(
            GrpcMethod<TRequest, TResponse>.Create(Service, method, MethodType.Unary), handler));

    public GrpcServiceBinding ServerStreaming<TRequest, TResponse>(string method, ServerStreamingServerMethod<TRequest, TResponse> handler)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new() =>
        Add(new ServerStreamingMethodHandler<TRequest, TResponse>(
            GrpcMethod<TRequest, TResponse>.Create(Service, method, MethodType.ServerStreaming), handler));

    public GrpcServiceBinding ClientStreaming<TRequest, TResponse>(string method, ClientStreamingServerMethod<TRequest, TResponse> handler)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new() =>
        Add(new ClientStreamingMethodHandler<TRequest, TResponse>(
            GrpcMethod<TRequest, TResponse>.Create(Service, method, MethodType.ClientStreaming), handler));

    public GrpcServiceBinding DuplexStreaming<TRequest, TResponse>(string method, DuplexStreamingServerMethod<TRequest, TResponse> handler)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new() =>
        Add(new DuplexStreamingMethodHandler<TRequest, TResponse>(
            GrpcMethod<TRequest, TResponse>.Create(Service, method, MethodType.DuplexStreaming), handler));

    private GrpcServiceBinding Add(ServerMethodHandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        var path = $"/{Service.FullName}/{handler.Descriptor.Name}";
        if (!_methods.TryAdd(path, handler))
            throw new GrpcBindingException($"Method '{Service.FullName}.{handler.Descriptor.Name}' is bound twice.");
        return this;
    }
}
