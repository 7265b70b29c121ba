using Grpc.Health.V1;
using Grpc.HealthCheck;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging;
using RbpPipeline.Contracts.Rbp.V1;
using RbpPipeline.InferenceServer.Hosting;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace RbpPipeline.InferenceServer.Tests.Serving;

/// <summary>
/// The readiness status (<c>grpc.health.v1</c> service <c>rbp.readiness</c>) that Kubernetes readiness probes and
/// balancers ask for: NOT_SERVING until the initial load, SERVING through hot reloads, NOT_SERVING for good once
/// the server stops, never behind a token.
/// </summary>
public sealed class ReadinessTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<ServingStatus> StatusAsync(HealthServiceImpl health) =>
        (await health.Check(new HealthCheckRequest { Service = ServerReadiness.ServiceName }, null!)).Status;

    [Fact]
    public async Task Readiness_waits_for_the_initial_load_and_a_stop_is_final()
    {
        var health = new HealthServiceImpl();
        var readiness = new ServerReadiness(health);
        Assert.Equal(ServingStatus.NotServing, await StatusAsync(health));
        Assert.False(readiness.IsReady);

        readiness.InitialLoadFinished();
        Assert.Equal(ServingStatus.Serving, await StatusAsync(health));
        Assert.True(readiness.IsReady);

        readiness.Stopping();
        Assert.Equal(ServingStatus.NotServing, await StatusAsync(health));
        readiness.InitialLoadFinished(); // a load finishing after the stop began does not make the server ready again
        Assert.Equal(ServingStatus.NotServing, await StatusAsync(health));
        Assert.False(readiness.IsReady);
    }

    [Fact]
    public async Task A_token_protected_server_is_ready_without_a_token_despite_a_refused_version_stays_ready_through_a_hot_load_and_turns_not_ready_on_stop()
    {
        using var repo = new TestModelRepository();
        repo.Publish("m", 1);
        repo.Publish("bad", 1);
        repo.Tamper("bad", 1); // refused (digest mismatch): logged, and it must not hold readiness back
        await using var server = await ServingServer.StartAsync(repo, configureGrpc: g => g.BearerTokens.Add("secret-token"));
        using var channel = GrpcChannel.ForAddress(server.Host.Address);
        var health = new Health.HealthClient(channel);
        var request = new HealthCheckRequest { Service = ServerReadiness.ServiceName };

        Assert.Equal(ServingStatus.Serving, (await health.CheckAsync(request, cancellationToken: Ct)).Status);
        Assert.True(server.Logged(LogLevel.Warning, "refused"));
        var unauthenticated = await Assert.ThrowsAsync<Grpc.Core.RpcException>(async () =>
            await server.Models.PredictAsync(new PredictRequest { Model = "m", Sequences = { new string('A', 20) } }, cancellationToken: Ct));
        Assert.Equal(Grpc.Core.StatusCode.Unauthenticated, unauthenticated.StatusCode); // tokens are enforced; health simply needs none

        // A hot load: the watch sees SERVING and no change while version 2 loads.
        using (var watchCancel = CancellationTokenSource.CreateLinkedTokenSource(Ct))
        {
            using var watch = health.Watch(request, cancellationToken: watchCancel.Token);
            Assert.True(await watch.ResponseStream.MoveNext(Ct));
            Assert.Equal(ServingStatus.Serving, watch.ResponseStream.Current.Status);
            var next = watch.ResponseStream.MoveNext(watchCancel.Token);
            repo.Publish("m", 2);
            await ServingServer.WaitUntilAsync(() => server.Host.Repository.VersionsOf("m").Count == 2, what: "version 2 to load");
            await Task.Delay(300, Ct);
            Assert.False(next.IsCompleted, "the readiness status changed during a hot load");
            watchCancel.Cancel();
            await Assert.ThrowsAnyAsync<Exception>(() => next);
        }
        Assert.Equal(ServingStatus.Serving, (await health.CheckAsync(request, cancellationToken: Ct)).Status);

        // Stop: the watcher is told NOT_SERVING before its stream ends.
        using var stopWatch = health.Watch(request, cancellationToken: Ct);
        Assert.True(await stopWatch.ResponseStream.MoveNext(Ct));
        Assert.Equal(ServingStatus.Serving, stopWatch.ResponseStream.Current.Status);
        var stopping = server.Host.StopAsync(Ct);
        Assert.True(await stopWatch.ResponseStream.MoveNext(Ct));
        Assert.Equal(ServingStatus.NotServing, stopWatch.ResponseStream.Current.Status);
        await stopping;
        Assert.False(server.Host.Readiness.IsReady);
    }
}
