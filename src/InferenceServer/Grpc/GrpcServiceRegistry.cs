using Google.Protobuf.Reflection;
using Microsoft.Extensions.Logging;
using RbpPipeline.Grpc.Health.V1;
using RbpPipeline.InferenceServer.Health;
using RbpPipeline.InferenceServer.Reflection;

namespace RbpPipeline.InferenceServer.Grpc;

/// <summary>
/// Every bound method by path, and the services for reflection and health. Built once, when the host maps
/// the gRPC endpoint, so binding errors surface at startup.
/// </summary>
public sealed class GrpcServiceRegistry
{
    private readonly Dictionary<string, ServerMethodHandler> _methods = new(StringComparer.Ordinal);
    private readonly List<ServiceDescriptor> _services = [];

    public GrpcServiceRegistry(IEnumerable<IGrpcService> services, GrpcServerOptions options, HealthStatusRegistry health,
        ILogger<GrpcServiceRegistry> logger)
    {
        var binder = new GrpcServiceBinder(_methods, _services);
        foreach (var service in services) service.Bind(binder);
        if (options.EnableHealth) new HealthService(health).Bind(binder);
        if (options.EnableReflection) new ReflectionService(() => _services).Bind(binder);

        health.SetStatusIfUnknown(HealthStatusRegistry.Server, HealthCheckResponse.Types.ServingStatus.Serving);
        foreach (var s in _services) health.SetStatusIfUnknown(s.FullName, HealthCheckResponse.Types.ServingStatus.Serving);
        logger.LogInformation("gRPC services bound: {Services} ({Methods} methods)",
            string.Join(", ", _services.Select(s => s.FullName)), _methods.Count);
    }

    public IReadOnlyList<ServiceDescriptor> Services => _services;

    internal bool TryGetMethod(string path, out ServerMethodHandler handler) => _methods.TryGetValue(path, out handler!);

    public bool IsKnownService(string serviceName) => _services.Any(s => s.FullName == serviceName);
}
