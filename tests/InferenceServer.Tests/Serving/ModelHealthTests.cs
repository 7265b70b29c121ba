using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace RbpPipeline.InferenceServer.Tests.Serving;

/// <summary>
/// grpc.health.v1 as a load balancer uses it against the inference server: the server, each service and each model
/// (service name = model name) report their serving status, and a model's status follows the repository.
/// </summary>
public sealed class ModelHealthTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Each_served_model_has_a_status_that_follows_the_repository()
    {
        using var repo = new TestModelRepository();
        repo.Publish("m", 1);
        await using var server = await ServingServer.StartAsync(repo);
        using var channel = GrpcChannel.ForAddress(server.Host.Address);
        var health = new Health.HealthClient(channel);

        foreach (var service in new[] { "", "rbp.v1.ModelService", "rbp.v1.InterpretationService", "inference.GRPCInferenceService", "m" })
            Assert.Equal(ServingStatus.Serving, (await health.CheckAsync(new HealthCheckRequest { Service = service }, cancellationToken: Ct)).Status);
        var unknown = await Assert.ThrowsAsync<RpcException>(async () =>
            await health.CheckAsync(new HealthCheckRequest { Service = "late" }, cancellationToken: Ct));
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);

        using var watch = health.Watch(new HealthCheckRequest { Service = "late" }, deadline: DateTime.UtcNow.AddSeconds(30), cancellationToken: Ct);
        Assert.True(await watch.ResponseStream.MoveNext(Ct));
        Assert.Equal(ServingStatus.ServiceUnknown, watch.ResponseStream.Current.Status);
        repo.Publish("late", 1);
        Assert.True(await watch.ResponseStream.MoveNext(Ct));
        Assert.Equal(ServingStatus.Serving, watch.ResponseStream.Current.Status);
        repo.Remove("late", 1);
        Assert.True(await watch.ResponseStream.MoveNext(Ct));
        Assert.Equal(ServingStatus.NotServing, watch.ResponseStream.Current.Status);
        Assert.Equal(ServingStatus.Serving, (await health.CheckAsync(new HealthCheckRequest { Service = "m" }, cancellationToken: Ct)).Status);
    }
}
