using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Reflection.V1;
using RbpPipeline.InferenceServer.Tests.Support;
using Alpha = Grpc.Reflection.V1Alpha;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace RbpPipeline.InferenceServer.Tests;

/// <summary>grpc.health.v1 and server reflection as a Grpc.Net.Client user (or grpcurl, or a load balancer) sees them.</summary>
public sealed class HealthAndReflectionTests(SharedServer shared)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private TestServer Server => shared.Server;

    [Fact]
    public async Task Check_reports_the_server_and_each_mapped_service_as_serving()
    {
        using var channel = Server.NetChannel();
        var health = new Health.HealthClient(channel);
        foreach (var service in new[] { "", "rbp.test.echo.v1.EchoService", "grpc.health.v1.Health" })
        {
            var response = await health.CheckAsync(new HealthCheckRequest { Service = service }, cancellationToken: Ct);
            Assert.Equal(ServingStatus.Serving, response.Status);
        }
    }

    [Fact]
    public async Task Check_of_an_unknown_service_is_not_found()
    {
        using var channel = Server.NetChannel();
        var health = new Health.HealthClient(channel);
        var e = await Assert.ThrowsAsync<RpcException>(async () =>
            await health.CheckAsync(new HealthCheckRequest { Service = "no.such.Service" }, cancellationToken: Ct));
        Assert.Equal(StatusCode.NotFound, e.StatusCode);
    }

    [Fact]
    public async Task Watch_streams_the_current_status_and_then_every_change()
    {
        const string service = "rbp.test.watched.csharp";
        using var channel = Server.NetChannel();
        var health = new Health.HealthClient(channel);
        using var call = health.Watch(new HealthCheckRequest { Service = service }, deadline: DateTime.UtcNow.AddSeconds(20), cancellationToken: Ct);
        Assert.True(await call.ResponseStream.MoveNext(Ct));
        Assert.Equal(ServingStatus.ServiceUnknown, call.ResponseStream.Current.Status);
        Server.Health.SetStatus(service, ServingStatus.Serving);
        Assert.True(await call.ResponseStream.MoveNext(Ct));
        Assert.Equal(ServingStatus.Serving, call.ResponseStream.Current.Status);
        Server.Health.SetStatus(service, ServingStatus.NotServing);
        Assert.True(await call.ResponseStream.MoveNext(Ct));
        Assert.Equal(ServingStatus.NotServing, call.ResponseStream.Current.Status);
    }

    [Fact]
    public async Task Reflection_lists_every_service()
    {
        var responses = await ReflectAsync(new ServerReflectionRequest { ListServices = "*" });
        var names = responses[0].ListServicesResponse.Service.Select(s => s.Name).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection",
            "rbp.test.echo.v1.EchoService"], names);
    }

    [Theory]
    [InlineData("rbp.test.echo.v1.EchoService")]
    [InlineData("rbp.test.echo.v1.EchoService.Chat")]
    [InlineData("rbp.test.echo.v1.EchoRequest")]
    public async Task File_containing_symbol_returns_the_file_and_its_imports_enough_to_rebuild_the_types(string symbol)
    {
        var response = (await ReflectAsync(new ServerReflectionRequest { FileContainingSymbol = symbol }))[0];
        var files = response.FileDescriptorResponse.FileDescriptorProto.Select(FileDescriptorProto.Parser.ParseFrom).ToList();
        Assert.Contains(files, f => f.Name == "echo/v1/echo.proto" || f.Name == "echo/v1/echo_types.proto");

        // A generic client (grpcurl) asks for the imports it lacks by name, then builds the types.
        var known = files.ToDictionary(f => f.Name);
        var missing = new Queue<string>(files.SelectMany(f => f.Dependency).Where(d => !known.ContainsKey(d)));
        while (missing.Count > 0)
        {
            var name = missing.Dequeue();
            if (known.ContainsKey(name)) continue;
            var more = (await ReflectAsync(new ServerReflectionRequest { FileByFilename = name }))[0];
            foreach (var file in more.FileDescriptorResponse.FileDescriptorProto.Select(FileDescriptorProto.Parser.ParseFrom))
            {
                known[file.Name] = file;
                foreach (var d in file.Dependency) if (!known.ContainsKey(d)) missing.Enqueue(d);
            }
        }
        var ordered = new List<ByteString>();
        var seen = new HashSet<string>();
        void Visit(FileDescriptorProto file)
        {
            if (!seen.Add(file.Name)) return;
            foreach (var d in file.Dependency) Visit(known[d]);
            ordered.Add(file.ToByteString());
        }
        foreach (var file in known.Values) Visit(file);
        var built = FileDescriptor.BuildFromByteStrings(ordered);
        Assert.Contains(built, f => f.FindTypeByName<MessageDescriptor>("EchoRequest") is not null);
    }

    [Fact]
    public async Task Unknown_symbols_and_files_are_not_found()
    {
        var responses = await ReflectAsync(
            new ServerReflectionRequest { FileContainingSymbol = "rbp.test.echo.v1.Nope" },
            new ServerReflectionRequest { FileByFilename = "nope.proto" });
        Assert.Equal((int)StatusCode.NotFound, responses[0].ErrorResponse.ErrorCode);
        Assert.Equal((int)StatusCode.NotFound, responses[1].ErrorResponse.ErrorCode);
    }

    [Fact]
    public async Task V1alpha_reflection_answers_like_v1()
    {
        using var channel = Server.NetChannel();
        var client = new Alpha.ServerReflection.ServerReflectionClient(channel);
        using var call = client.ServerReflectionInfo(cancellationToken: Ct);
        await call.RequestStream.WriteAsync(new Alpha.ServerReflectionRequest { ListServices = "" }, Ct);
        await call.RequestStream.WriteAsync(new Alpha.ServerReflectionRequest { FileContainingSymbol = "grpc.health.v1.Health" }, Ct);
        await call.RequestStream.CompleteAsync();
        var responses = new List<Alpha.ServerReflectionResponse>();
        await foreach (var r in call.ResponseStream.ReadAllAsync(Ct)) responses.Add(r);
        Assert.Contains(responses[0].ListServicesResponse.Service, s => s.Name == "rbp.test.echo.v1.EchoService");
        var file = FileDescriptorProto.Parser.ParseFrom(responses[1].FileDescriptorResponse.FileDescriptorProto[0]);
        Assert.EndsWith("health.proto", file.Name);
        Assert.Equal("grpc.health.v1", file.Package);
    }

    private async Task<List<ServerReflectionResponse>> ReflectAsync(params ServerReflectionRequest[] requests)
    {
        using var channel = Server.NetChannel();
        var client = new ServerReflection.ServerReflectionClient(channel);
        using var call = client.ServerReflectionInfo(cancellationToken: Ct);
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
