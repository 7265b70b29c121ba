using RbpPipeline.Client;
using RbpPipeline.Contracts.Rbp.V1;
using RbpPipeline.Grpc;
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
            binder.Service(ModelServiceClient.Descriptor)
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
        var client = new ModelServiceClient(channel);
        var options = new CallOptions { CancellationToken = Ct };

        var models = await client.ListModelsAsync(new ListModelsRequest { NameFilter = "x" }, options);
        Assert.Equal("m-x", Assert.Single(models.Models).Name);

        using var stream = client.PredictStream(options);
        await stream.RequestStream.WriteAsync(new PredictRequest { Id = "1", Model = "m" }, Ct);
        await stream.RequestStream.WriteAsync(new PredictRequest { Id = "2", Model = "m" }, Ct);
        await stream.RequestStream.CompleteAsync();
        var ids = new List<string>();
        await foreach (var r in stream.ResponseStream.ReadAllAsync(Ct)) ids.Add(r.Id);
        Assert.Equal(["1", "2"], ids);

        // Predict is not bound by this stand-in: unbound methods of a bound service are UNIMPLEMENTED.
        var e = await Assert.ThrowsAsync<RpcException>(() => client.PredictAsync(new PredictRequest(), options));
        Assert.Equal(StatusCode.Unimplemented, e.StatusCode);

        var health = new HealthClient(channel);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, await health.CheckAsync("rbp.v1.ModelService", options));
    }
}
