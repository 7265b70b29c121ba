using RbpPipeline.Grpc;
using RbpPipeline.Grpc.Health.V1;

namespace RbpPipeline.Client;

/// <summary>Typed calls of the standard <c>grpc.health.v1.Health</c> service, e.g. to wait for a server to be ready.</summary>
public sealed class HealthClient(GrpcChannel channel)
{
    public static readonly GrpcMethod<HealthCheckRequest, HealthCheckResponse> CheckMethod =
        GrpcMethod<HealthCheckRequest, HealthCheckResponse>.Create(HealthReflection.Descriptor.Services[0], "Check", MethodType.Unary);

    public static readonly GrpcMethod<HealthCheckRequest, HealthCheckResponse> WatchMethod =
        GrpcMethod<HealthCheckRequest, HealthCheckResponse>.Create(HealthReflection.Descriptor.Services[0], "Watch", MethodType.ServerStreaming);

    /// <summary>The status of <paramref name="service"/> ("" for the whole server); NOT_FOUND for unknown services.</summary>
    public async Task<HealthCheckResponse.Types.ServingStatus> CheckAsync(string service = "", CallOptions options = default) =>
        (await channel.UnaryAsync(CheckMethod, new HealthCheckRequest { Service = service }, options).ConfigureAwait(false)).Status;

    public AsyncServerStreamingCall<HealthCheckResponse> Watch(string service = "", CallOptions options = default) =>
        channel.AsyncServerStreamingCall(WatchMethod, new HealthCheckRequest { Service = service }, options);
}
