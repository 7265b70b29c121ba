using Google.Protobuf.Reflection;
using RbpPipeline.Grpc;
using RbpPipeline.Grpc.Health.V1;
using RbpPipeline.InferenceServer.Grpc;
using ServingStatus = RbpPipeline.Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace RbpPipeline.InferenceServer.Health;

/// <summary><c>grpc.health.v1.Health</c> over <see cref="HealthStatusRegistry"/>.</summary>
public sealed class HealthService(HealthStatusRegistry registry) : IGrpcService
{
    public static ServiceDescriptor Descriptor => HealthReflection.Descriptor.Services[0];

    public void Bind(GrpcServiceBinder binder) =>
        binder.Service(Descriptor)
            .Unary<HealthCheckRequest, HealthCheckResponse>("Check", CheckAsync)
            .Unary<HealthListRequest, HealthListResponse>("List", ListAsync)
            .ServerStreaming<HealthCheckRequest, HealthCheckResponse>("Watch", WatchAsync);

    private Task<HealthCheckResponse> CheckAsync(HealthCheckRequest request, ServerCallContext context) =>
        registry.TryGetStatus(request.Service, out var status)
            ? Task.FromResult(new HealthCheckResponse { Status = status })
            : throw new RpcException(StatusCode.NotFound, $"Unknown service '{request.Service}'.");

    private Task<HealthListResponse> ListAsync(HealthListRequest request, ServerCallContext context)
    {
        var response = new HealthListResponse();
        foreach (var (service, status) in registry.Snapshot())
            response.Statuses[service] = new HealthCheckResponse { Status = status };
        return Task.FromResult(response);
    }

    private async Task WatchAsync(HealthCheckRequest request, IServerStreamWriter<HealthCheckResponse> responses,
        ServerCallContext context)
    {
        using var watch = registry.Watch(request.Service);
        ServingStatus? last = null;
        await foreach (var status in watch.Updates.ReadAllAsync(context.CancellationToken))
        {
            if (status == last) continue;
            last = status;
            await responses.WriteAsync(new HealthCheckResponse { Status = status }, context.CancellationToken);
        }
    }
}
