using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using RbpPipeline.InferenceServer.Health;

namespace RbpPipeline.InferenceServer.Grpc;

/// <summary>
/// A running gRPC server in one object: for the CLI's <c>serve</c> command and for tests. Hosts that need
/// more of ASP.NET Core use <see cref="GrpcHostingExtensions"/> directly.
/// </summary>
public sealed class GrpcHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private GrpcHost(WebApplication app)
    {
        _app = app;
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses;
        Address = new Uri(addresses?.FirstOrDefault() ?? throw new InvalidOperationException("the server reports no address"));
    }

    /// <summary>Where the server listens, e.g. <c>http://127.0.0.1:50051</c> (the real port when 0 was asked for).</summary>
    public Uri Address { get; }

    public IServiceProvider Services => _app.Services;

    public HealthStatusRegistry Health => _app.Services.GetRequiredService<HealthStatusRegistry>();

    /// <summary>Builds and starts a server; binding errors of the services throw from here.</summary>
    public static async Task<GrpcHost> StartAsync(GrpcServerOptions options, Action<GrpcServerBuilder>? addServices = null,
        Action<ILoggingBuilder>? configureLogging = null, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        if (configureLogging is not null) configureLogging(builder.Logging);
        var grpc = builder.AddRbpGrpc(options);
        addServices?.Invoke(grpc);
        var app = builder.Build();
        try
        {
            app.MapRbpGrpc();
            await app.StartAsync(cancellationToken);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
        return new GrpcHost(app);
    }

    /// <summary>Stops gracefully: streaming calls end with UNAVAILABLE, new calls are refused, health goes NOT_SERVING.</summary>
    public Task StopAsync(CancellationToken cancellationToken = default) => _app.StopAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _app.StopAsync(CancellationToken.None);
        }
        finally
        {
            await _app.DisposeAsync();
        }
    }
}
