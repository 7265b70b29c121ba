using System.Net;
using Microsoft.Extensions.Logging;
using RbpPipeline.Client;
using RbpPipeline.Explorer;
using RbpPipeline.InferenceServer.Hosting;
using RbpPipeline.InferenceServer.Tests.Serving;
using RbpPipeline.InferenceServer.Tests.Support;
using RbpPipeline.InferenceServer.Tests.Variants;

namespace RbpPipeline.InferenceServer.Tests.Explorer;

/// <summary>
/// The inference server with its web explorer on ephemeral ports over two small real models: "motif" (the GGAC
/// detector of the variant tests, with a gradient graph) and "linear" (a regression and a binary task), plus a gRPC
/// connection for the answers the page is compared with.
/// </summary>
public sealed class ExplorerServer : IAsyncDisposable
{
    private readonly TestModelRepository _repository;
    private readonly WebExplorer _explorer;

    private ExplorerServer(TestModelRepository repository, WebExplorer explorer, InferenceServerHost host, ListLoggerProvider logs, ServerConnection grpc)
    {
        _repository = repository;
        _explorer = explorer;
        Host = host;
        Logs = logs;
        Grpc = grpc;
    }

    public InferenceServerHost Host { get; }

    public ListLoggerProvider Logs { get; }

    public ServerConnection Grpc { get; }

    public Uri Page => _explorer.Address ?? throw new InvalidOperationException("the explorer reports no address");

    public static async Task<ExplorerServer> StartAsync(string? token = null, Action<ServingOptions>? configure = null,
        Action<GrpcServerOptions>? configureGrpc = null)
    {
        var repository = new TestModelRepository();
        MotifModel.Publish(repository, "motif", withGradient: true);
        repository.Publish("linear", 1, new TestModelSpec { Length = 20 });
        var grpc = new GrpcServerOptions { Address = IPAddress.Loopback, Port = 0 };
        if (token is not null) grpc.BearerTokens.Add(token);
        configureGrpc?.Invoke(grpc);
        var serving = new ServingOptions { RepositoryPath = repository.Root, IntraOpThreads = 1, MaxQueueDelay = TimeSpan.FromMilliseconds(2) };
        configure?.Invoke(serving);
        var explorer = new WebExplorer(new ExplorerOptions { Port = 0 });
        var logs = new ListLoggerProvider();
        var host = await InferenceServerHost.StartAsync(grpc, serving, logging =>
        {
            logging.ClearProviders();
            logging.AddProvider(logs);
            logging.SetMinimumLevel(LogLevel.Debug);
            logging.AddFilter("Microsoft", LogLevel.Warning);
        }, TestContext.Current.CancellationToken, TimeSpan.FromSeconds(5), [explorer]);
        var connection = ServerConnection.Open(new ServerOptions { Servers = [host.Address.ToString()], BearerToken = token });
        return new ExplorerServer(repository, explorer, host, logs, connection);
    }

    public async ValueTask DisposeAsync()
    {
        Grpc.Dispose();
        await Host.DisposeAsync();
        _explorer.Dispose();
        _repository.Dispose();
    }
}
