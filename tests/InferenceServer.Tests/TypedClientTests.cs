using RbpPipeline.Client;
using RbpPipeline.Contracts.Rbp.V1;
using RbpPipeline.Grpc;
using GrpcCore = Grpc.Core;
using RbpPipeline.Grpc.Health.V1;
using RbpPipeline.InferenceServer.Grpc;
using RbpPipeline.InferenceServer.Tests.Support;

namespace RbpPipeline.InferenceServer.Tests;

/// <summary>The rbp.v1 service plugs into the layer like any other: a stand-in implementation bound to the real descriptor.</summary>
public sealed class TypedClientTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private sealed class FakeModelService : IGrpcService
    {
        public void Bind(GrpcServiceBinder binder) =>
            binder.Service(ModelService.Descriptor)
                .Unary<ListModelsRequest, ListModelsResponse>("ListModels", (request, _) =>
                    Task.FromResult(new ListModelsResponse { Models = { new ModelInfo { Name = "m-" + request.NameFilter, Version = 3 } } }))
                .DuplexStreaming<PredictRequest, PredictResponse>("PredictStream", async (requests, responses, context) =>
                {
                    await foreach (var request in requests.ReadAllAsync(context.CancellationToken))
                        await responses.WriteAsync(new PredictResponse { Id = request.Id, Model = request.Model }, context.CancellationToken);
                });
    }

    [Fact]
    public async Task Model_service_and_health_clients_call_a_bound_rbp_v1_service()
    {
        await using var server = await TestServer.StartAsync(addServices: grpc => grpc.AddService(new FakeModelService()));
        using var channel = server.Channel();
        var client = new ModelService.ModelServiceClient(channel.Invoker);

        var models = await client.ListModelsAsync(new ListModelsRequest { NameFilter = "x" }, cancellationToken: Ct);
        Assert.Equal("m-x", Assert.Single(models.Models).Name);

        using var stream = client.PredictStream(cancellationToken: Ct);
        await stream.RequestStream.WriteAsync(new PredictRequest { Id = "1", Model = "m" }, Ct);
        await stream.RequestStream.WriteAsync(new PredictRequest { Id = "2", Model = "m" }, Ct);
        await stream.RequestStream.CompleteAsync();
        var ids = new List<string>();
        while (await stream.ResponseStream.MoveNext(Ct)) ids.Add(stream.ResponseStream.Current.Id);
        Assert.Equal(["1", "2"], ids);

        // Predict is not bound by this stand-in: unbound methods of a bound service are UNIMPLEMENTED.
        var e = await Assert.ThrowsAsync<GrpcCore.RpcException>(() => client.PredictAsync(new PredictRequest(), cancellationToken: Ct).ResponseAsync);
        Assert.Equal(GrpcCore.StatusCode.Unimplemented, e.StatusCode);

        var check = ClientMethods.Create<HealthCheckRequest, HealthCheckResponse>(GrpcCore.MethodType.Unary, "grpc.health.v1.Health", "Check");
        var health = await channel.Invoker.AsyncUnaryCall(check, null, new GrpcCore.CallOptions(cancellationToken: Ct),
            new HealthCheckRequest { Service = "rbp.v1.ModelService" });
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health.Status);
    }
}
