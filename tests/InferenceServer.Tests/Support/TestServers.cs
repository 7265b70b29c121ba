using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using RbpPipeline.Client;
using RbpPipeline.InferenceServer.Grpc;

namespace RbpPipeline.InferenceServer.Tests.Support;

/// <summary>A running test server (echo service, health, reflection) on 127.0.0.1 with an ephemeral port.</summary>
public sealed class TestServer : IAsyncDisposable
{
    private TestServer(GrpcHost host, ListLoggerProvider logs)
    {
        Host = host;
        Logs = logs;
    }

    public GrpcHost Host { get; }

    public ListLoggerProvider Logs { get; }

    public Uri Address => Host.Address;

    /// <summary>host:port, as Python and Node clients take it.</summary>
    public string Target => $"{Address.Host}:{Address.Port}";

    public EchoService Echo => Host.Services.GetRequiredService<EchoService>();

    public static async Task<TestServer> StartAsync(Action<GrpcServerOptions>? configure = null,
        Action<GrpcServerBuilder>? addServices = null)
    {
        var options = new GrpcServerOptions { Address = IPAddress.Loopback, Port = 0, MaxReceiveMessageSize = 1024 * 1024 };
        configure?.Invoke(options);
        var logs = new ListLoggerProvider();
        var host = await GrpcHost.StartAsync(options, grpc =>
        {
            grpc.AddService<EchoService>();
            addServices?.Invoke(grpc);
        }, logging =>
        {
            logging.ClearProviders();
            logging.AddProvider(logs);
            logging.SetMinimumLevel(LogLevel.Debug);
            logging.AddFilter("Microsoft", LogLevel.Warning);
        }, TestContext.Current.CancellationToken);
        return new TestServer(host, logs);
    }

    /// <summary>A Grpc.Net.Client channel to this server with our client options (token, CA, limits, gzip).</summary>
    public ServerConnection Channel(ServerOptions? options = null) =>
        ServerConnection.Open((options ?? new ServerOptions()) with { Servers = [Address.ToString()] });

    /// <summary>The generated client of the test service over <paramref name="connection"/>.</summary>
    public static RbpPipeline.InferenceServer.Tests.Echo.EchoService.EchoServiceClient EchoClient(ServerConnection connection) => new(connection.Invoker);

    public ValueTask DisposeAsync() => Host.DisposeAsync();
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
