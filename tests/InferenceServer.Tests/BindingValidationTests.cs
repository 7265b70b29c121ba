using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Logging;
using RbpPipeline.Grpc;
using RbpPipeline.InferenceServer.Grpc;
using RbpPipeline.InferenceServer.Tests.Echo;
using RbpPipeline.InferenceServer.Tests.Support;

namespace RbpPipeline.InferenceServer.Tests;

/// <summary>Binding mistakes stop the server at startup with a message naming the method, never at the first call.</summary>
public sealed class BindingValidationTests
{
    private sealed class Binding(Action<GrpcServiceBinding> bind) : IGrpcService
    {
        public void Bind(GrpcServiceBinder binder) => bind(binder.Service(EchoService.Descriptor));
    }

    public static TheoryData<string, string> Mistakes => new()
    {
        { "unknown method", "has no method 'Shout'" },
        { "wrong request type", "takes request type 'rbp.test.echo.v1.EchoRequest'" },
        { "wrong response type", "takes response type 'rbp.test.echo.v1.EchoReply'" },
        { "wrong streaming kind", "is server-streaming but was bound as unary" },
        { "bound twice", "is bound twice" },
    };

    private static void Bind(string mistake, GrpcServiceBinding service)
    {
        switch (mistake)
        {
            case "unknown method":
                service.Unary<EchoRequest, EchoReply>("Shout", (r, _) => Task.FromResult(new EchoReply()));
                break;
            case "wrong request type":
                service.Unary<Empty, EchoReply>("Echo", (r, _) => Task.FromResult(new EchoReply()));
                break;
            case "wrong response type":
                service.Unary<EchoRequest, Empty>("Echo", (r, _) => Task.FromResult(new Empty()));
                break;
            case "wrong streaming kind":
                service.Unary<EchoRequest, EchoReply>("Expand", (r, _) => Task.FromResult(new EchoReply()));
                break;
            case "bound twice":
                service.Unary<EchoRequest, EchoReply>("Echo", (r, _) => Task.FromResult(new EchoReply()))
                    .Unary<EchoRequest, EchoReply>("Echo", (r, _) => Task.FromResult(new EchoReply()));
                break;
        }
    }

    [Theory]
    [MemberData(nameof(Mistakes))]
    public async Task Binding_mistakes_fail_at_startup(string mistake, string expectedMessage)
    {
        var e = await Assert.ThrowsAsync<GrpcBindingException>(async () =>
        {
            await using var host = await GrpcHost.StartAsync(new GrpcServerOptions { Port = 0 },
                grpc => grpc.AddService(new Binding(s => Bind(mistake, s))),
                logging => logging.ClearProviders(), TestContext.Current.CancellationToken);
        });
        Assert.Contains(expectedMessage, e.Message);
    }

    [Fact]
    public async Task The_same_service_bound_by_two_implementations_fails_at_startup()
    {
        var e = await Assert.ThrowsAsync<GrpcBindingException>(async () =>
            await TestServer.StartAsync(addServices: grpc => grpc.AddService(new Binding(_ => { }))));
        Assert.Contains("'rbp.test.echo.v1.EchoService' is bound twice", e.Message);
    }

    [Fact]
    public void Client_methods_are_checked_the_same_way()
    {
        var e = Assert.Throws<GrpcBindingException>(() =>
            GrpcMethod<EchoRequest, EchoReply>.Create(EchoService.Descriptor, "Chat", MethodType.ServerStreaming));
        Assert.Contains("bidirectional-streaming", e.Message);
    }
}
