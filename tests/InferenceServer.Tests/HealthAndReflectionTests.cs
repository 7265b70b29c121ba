using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;
using RbpPipeline.Grpc.Health.V1;
using RbpPipeline.Grpc.Reflection.V1;
using RbpPipeline.InferenceServer.Tests.Support;
using Alpha = RbpPipeline.Grpc.Reflection.V1Alpha;
using ServingStatus = RbpPipeline.Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace RbpPipeline.InferenceServer.Tests;

public sealed class HealthAndReflectionTests(SharedServer shared)
{
    private static readonly Method<HealthCheckRequest, HealthCheckResponse> Check =
        ClientMethods.Create<HealthCheckRequest, HealthCheckResponse>(MethodType.Unary, "grpc.health.v1.Health", "Check");

    private static readonly Method<HealthCheckRequest, HealthCheckResponse> Watch =
        ClientMethods.Create<HealthCheckRequest, HealthCheckResponse>(MethodType.ServerStreaming, "grpc.health.v1.Health", "Watch");

    private static readonly Method<ServerReflectionRequest, ServerReflectionResponse> Reflect =
        ClientMethods.Create<ServerReflectionRequest, ServerReflectionResponse>(MethodType.DuplexStreaming,
            "grpc.reflection.v1.ServerReflection", "ServerReflectionInfo");

    private static readonly Method<Alpha.ServerReflectionRequest, Alpha.ServerReflectionResponse> ReflectAlpha =
        ClientMethods.Create<Alpha.ServerReflectionRequest, Alpha.ServerReflectionResponse>(MethodType.DuplexStreaming,
            "grpc.reflection.v1alpha.ServerReflection", "ServerReflectionInfo");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private TestServer Server => shared.Server;

    [Fact]
    public async Task Check_reports_the_server_and_each_bound_service_as_serving()
    {
        using var channel = Server.Channel();
        foreach (var service in new[] { "", "rbp.test.echo.v1.EchoService", "grpc.health.v1.Health" })
        {
            var response = await channel.Invoker.AsyncUnaryCall(Check, null, new CallOptions(cancellationToken: Ct),
                new HealthCheckRequest { Service = service });
            Assert.Equal(ServingStatus.Serving, response.Status);
        }
    }

    [Fact]
    public async Task Check_of_an_unknown_service_is_not_found()
    {
        using var channel = Server.Channel();
        var e = await Assert.ThrowsAsync<RpcException>(() => channel.Invoker.AsyncUnaryCall(Check, null,
            new CallOptions(cancellationToken: Ct), new HealthCheckRequest { Service = "no.such.Service" }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, e.StatusCode);
    }

    [Fact]
    public async Task Watch_streams_the_current_status_and_then_every_change()
    {
        const string service = "rbp.test.watched.csharp";
        using var channel = Server.Channel();
        using var call = channel.Invoker.AsyncServerStreamingCall(Watch, null,
            new CallOptions(deadline: DateTime.UtcNow.AddSeconds(20), cancellationToken: Ct), new HealthCheckRequest { Service = service });
        Assert.True(await call.ResponseStream.MoveNext(Ct));
        Assert.Equal(ServingStatus.ServiceUnknown, call.ResponseStream.Current.Status);
        Server.Host.Health.SetStatus(service, ServingStatus.Serving);
        Assert.True(await call.ResponseStream.MoveNext(Ct));
        Assert.Equal(ServingStatus.Serving, call.ResponseStream.Current.Status);
        Server.Host.Health.SetStatus(service, ServingStatus.NotServing);
        Assert.True(await call.ResponseStream.MoveNext(Ct));
        Assert.Equal(ServingStatus.NotServing, call.ResponseStream.Current.Status);
    }

    [Fact]
    public async Task Reflection_lists_every_service()
    {
        var responses = await ReflectAsync(new ServerReflectionRequest { ListServices = "*" });
        var names = responses[0].ListServicesResponse.Service.Select(s => s.Name).ToList();
        Assert.Equal(["rbp.test.echo.v1.EchoService", "grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection",
            "grpc.reflection.v1alpha.ServerReflection"], names);
    }

    [Theory]
    [InlineData("rbp.test.echo.v1.EchoService")]
    [InlineData("rbp.test.echo.v1.EchoService.Chat")]
    [InlineData(".rbp.test.echo.v1.EchoService")]
    [InlineData("rbp.test.echo.v1.UnboundService")]
    public async Task File_containing_symbol_returns_the_file_and_its_transitive_imports(string symbol)
    {
        var response = (await ReflectAsync(new ServerReflectionRequest { FileContainingSymbol = symbol }))[0];
        var files = response.FileDescriptorResponse.FileDescriptorProto.Select(FileDescriptorProto.Parser.ParseFrom).ToList();
        Assert.Equal("echo/v1/echo.proto", files[0].Name);
        Assert.Equal(["echo/v1/echo.proto", "echo/v1/echo_types.proto", "google/protobuf/empty.proto"],
            files.Select(f => f.Name).Order());

        // The descriptors are complete enough to rebuild the types, as a generic client would.
        var built = FileDescriptor.BuildFromByteStrings(
            response.FileDescriptorResponse.FileDescriptorProto.Reverse().ToList());
        Assert.Contains(built, f => f.FindTypeByName<MessageDescriptor>("EchoRequest") is not null);
    }

    [Fact]
    public async Task File_by_name_and_message_symbols_resolve_and_unknowns_are_not_found()
    {
        var responses = await ReflectAsync(
            new ServerReflectionRequest { FileByFilename = "echo/v1/echo_types.proto" },
            new ServerReflectionRequest { FileContainingSymbol = "rbp.test.echo.v1.EchoRequest" },
            new ServerReflectionRequest { FileContainingSymbol = "rbp.test.echo.v1.Nope" },
            new ServerReflectionRequest { FileByFilename = "nope.proto" },
            new ServerReflectionRequest { FileByFilename = "google/protobuf/empty.proto" });
        Assert.Equal("echo/v1/echo_types.proto",
            FileDescriptorProto.Parser.ParseFrom(responses[0].FileDescriptorResponse.FileDescriptorProto[0]).Name);
        Assert.Equal("echo/v1/echo_types.proto",
            FileDescriptorProto.Parser.ParseFrom(responses[1].FileDescriptorResponse.FileDescriptorProto[0]).Name);
        Assert.Equal((int)StatusCode.NotFound, responses[2].ErrorResponse.ErrorCode);
        Assert.Equal((int)StatusCode.NotFound, responses[3].ErrorResponse.ErrorCode);
        Assert.Single(responses[4].FileDescriptorResponse.FileDescriptorProto);
        Assert.Equal("echo/v1/echo_types.proto", responses[0].OriginalRequest.FileByFilename);
    }

    [Fact]
    public async Task V1alpha_reflection_answers_like_v1()
    {
        using var channel = Server.Channel();
        using var call = channel.Invoker.AsyncDuplexStreamingCall(ReflectAlpha, null, new CallOptions(cancellationToken: Ct));
        await call.RequestStream.WriteAsync(new Alpha.ServerReflectionRequest { ListServices = "" }, Ct);
        await call.RequestStream.WriteAsync(new Alpha.ServerReflectionRequest { FileContainingSymbol = "grpc.health.v1.Health" }, Ct);
        await call.RequestStream.CompleteAsync();
        var responses = new List<Alpha.ServerReflectionResponse>();
        await foreach (var r in call.ResponseStream.ReadAllAsync(Ct)) responses.Add(r);
        Assert.Contains(responses[0].ListServicesResponse.Service, s => s.Name == "rbp.test.echo.v1.EchoService");
        Assert.Equal("grpc/health/v1/health.proto",
            FileDescriptorProto.Parser.ParseFrom(responses[1].FileDescriptorResponse.FileDescriptorProto[0]).Name);
    }

    private async Task<List<ServerReflectionResponse>> ReflectAsync(params ServerReflectionRequest[] requests)
    {
        using var channel = Server.Channel();
        using var call = channel.Invoker.AsyncDuplexStreamingCall(Reflect, null, new CallOptions(cancellationToken: Ct));
        var responses = new List<ServerReflectionResponse>();
        foreach (var request in requests)
        {
            await call.RequestStream.WriteAsync(request, Ct);
            Assert.True(await call.ResponseStream.MoveNext(Ct));
            responses.Add(call.ResponseStream.Current);
        }
        await call.RequestStream.CompleteAsync();
        Assert.False(await call.ResponseStream.MoveNext(Ct));
        return responses;
    }
}
