using System.Net;
using Grpc.HealthCheck;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using RbpPipeline.Client;
using RbpPipeline.InferenceServer.Hosting;
using NetChannel = Grpc.Net.Client.GrpcChannel;
using NetChannelOptions = Grpc.Net.Client.GrpcChannelOptions;

namespace RbpPipeline.InferenceServer.Tests.Support;

/// <summary>
/// A running test server on 127.0.0.1 (ephemeral port) with the server's gRPC hosting (limits, compression,
/// interceptor, bearer tokens, health, reflection) and the echo test service in place of the model services.
/// </summary>
public sealed class TestServer : IAsyncDisposable
{
    private TestServer(WebApplication app, ListLoggerProvider logs)
    {
        App = app;
        Logs = logs;
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        Address = new Uri(addresses.First());
    }

    public WebApplication App { get; }

    public ListLoggerProvider Logs { get; }

    public Uri Address { get; }

    /// <summary>host:port, as Python and Node clients take it.</summary>
    public string Target => $"{Address.Host}:{Address.Port}";

    public TestEchoService Echo => App.Services.GetRequiredService<TestEchoService>();

    public HealthServiceImpl Health => App.Services.GetRequiredService<HealthServiceImpl>();

    public static async Task<TestServer> StartAsync(Action<GrpcServerOptions>? configure = null)
    {
        var options = new GrpcServerOptions { Address = IPAddress.Loopback, Port = 0, MaxReceiveMessageSize = 1024 * 1024 };
        configure?.Invoke(options);
        var logs = new ListLoggerProvider();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(logs);
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.Logging.AddFilter("Grpc", LogLevel.Warning);
        builder.AddRbpGrpc(options);
        builder.Services.AddSingleton<TestEchoService>();
        var app = builder.Build();
        app.UseRbpGrpc();
        app.MapGrpcService<TestEchoService>();
        try
        {
            await app.StartAsync(TestContext.Current.CancellationToken);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
        return new TestServer(app, logs);
    }

    /// <summary>A Grpc.Net.Client channel to this server with our client options (token, CA, limits, gzip).</summary>
    public ServerConnection Channel(ServerOptions? options = null) =>
        ServerConnection.Open((options ?? new ServerOptions()) with { Servers = [Address.ToString()] });

    /// <summary>The generated client of the test service over <paramref name="connection"/>.</summary>
    public static RbpPipeline.InferenceServer.Tests.Echo.EchoService.EchoServiceClient EchoClient(ServerConnection connection) => new(connection.Invoker);

    /// <summary>A Grpc.Net.Client channel.</summary>
    public NetChannel NetChannel(NetChannelOptions? options = null) =>
        global::Grpc.Net.Client.GrpcChannel.ForAddress(Address, options ?? new NetChannelOptions());

    public Task StopAsync(CancellationToken cancellationToken = default) => App.StopAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await App.StopAsync(CancellationToken.None);
        }
        finally
        {
            await App.DisposeAsync();
        }
    }
}

/// <summary>One server for the whole assembly; tests that need other settings start their own.</summary>
public sealed class SharedServer : IAsyncLifetime
{
    private TestServer? _server;

    public TestServer Server => _server ?? throw new InvalidOperationException("not started");

    public async ValueTask InitializeAsync() => _server = await TestServer.StartAsync();

    public async ValueTask DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
    }
}
