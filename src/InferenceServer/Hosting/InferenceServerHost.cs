using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using RbpPipeline.InferenceServer.Execution;
using RbpPipeline.InferenceServer.Grpc;
using RbpPipeline.InferenceServer.Health;
using RbpPipeline.InferenceServer.Interpretation;
using RbpPipeline.InferenceServer.KServe;
using RbpPipeline.InferenceServer.Models;
using RbpPipeline.InferenceServer.Observability;
using RbpPipeline.InferenceServer.Services;

namespace RbpPipeline.InferenceServer.Hosting;

/// <summary>Adds model serving (repository, sessions, batching, rbp.v1 and KServe services, metrics) to a gRPC host.</summary>
public static class InferenceServingExtensions
{
    public static GrpcServerBuilder AddRbpModelServing(this GrpcServerBuilder grpc, ServingOptions options)
    {
        var services = grpc.Services;
        services.TryAddSingleton(options);
        services.TryAddSingleton<ServerMetrics>();
        services.TryAddSingleton<OnnxSessionFactory>();
        services.TryAddSingleton<ModelRepository>();
        services.TryAddSingleton<Predictor>();
        return grpc.AddService<ModelService>().AddService<InterpretationService>().AddService<KServeInferenceService>();
    }

    /// <summary>Maps <c>GET /metrics</c> (Prometheus text format).</summary>
    public static IEndpointConventionBuilder MapRbpMetrics(this IEndpointRouteBuilder endpoints)
    {
        var metrics = endpoints.ServiceProvider.GetRequiredService<ServerMetrics>();
        return endpoints.MapGet("/metrics", (HttpContext context) =>
        {
            context.Response.ContentType = ServerMetrics.ContentType;
            return context.Response.WriteAsync(metrics.Render(), context.RequestAborted);
        });
    }
}

/// <summary>
/// The inference server in one object (the CLI's <c>serve</c>, tests and benchmarks): Kestrel with the gRPC
/// layer, health and reflection, <c>rbp.v1.ModelService</c>, <c>inference.GRPCInferenceService</c> and
/// <c>/metrics</c>; the repository is loaded before the port opens. Stopping drains unary calls in flight (up to
/// <see cref="ServingOptions"/>' shutdown timeout), ends streams with UNAVAILABLE, and then unloads every model.
/// </summary>
public sealed class InferenceServerHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private InferenceServerHost(WebApplication app, Uri address, Uri? metricsAddress)
    {
        _app = app;
        Address = address;
        MetricsAddress = metricsAddress;
    }

    /// <summary>The gRPC address, e.g. http://127.0.0.1:50051 (the real port when 0 was asked for).</summary>
    public Uri Address { get; }

    /// <summary>The HTTP/1.1 metrics address when a metrics port was configured.</summary>
    public Uri? MetricsAddress { get; }

    public IServiceProvider Services => _app.Services;

    public ModelRepository Repository => _app.Services.GetRequiredService<ModelRepository>();

    public ServerMetrics Metrics => _app.Services.GetRequiredService<ServerMetrics>();

    public HealthStatusRegistry Health => _app.Services.GetRequiredService<HealthStatusRegistry>();

    /// <summary>Resolves when the host has begun stopping (Ctrl+C, SIGTERM or <see cref="StopAsync"/>).</summary>
    public CancellationToken Stopping => _app.Lifetime.ApplicationStopping;

    public static async Task<InferenceServerHost> StartAsync(GrpcServerOptions grpc, ServingOptions serving,
        Action<ILoggingBuilder>? configureLogging = null, CancellationToken cancellationToken = default,
        TimeSpan? shutdownTimeout = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        configureLogging?.Invoke(builder.Logging);
        builder.AddRbpGrpc(grpc).AddRbpModelServing(serving);
        ListenOptions? metricsListener = null;
        if (serving.MetricsPort is { } metricsPort)
        {
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(grpc.Address, metricsPort, listen =>
            {
                listen.Protocols = HttpProtocols.Http1;
                metricsListener = listen;
            }));
        }
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = shutdownTimeout ?? TimeSpan.FromSeconds(30));
        var app = builder.Build();
        try
        {
            app.UseRbpGrpcMetrics();
            app.MapRbpMetrics();
            app.MapRbpGrpc();
            await app.Services.GetRequiredService<ModelRepository>().StartAsync(cancellationToken);
            await app.StartAsync(cancellationToken);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.Select(a => new Uri(a)).ToList() ?? [];
        Uri? metrics = null;
        if (metricsListener is not null)
        {
            var port = metricsListener.IPEndPoint?.Port ?? serving.MetricsPort ?? 0;
            metrics = addresses.FirstOrDefault(a => a.Port == port) ?? new Uri($"http://{Host(grpc)}:{port}");
        }
        var address = addresses.FirstOrDefault(a => metrics is null || a.Port != metrics.Port)
            ?? throw new InvalidOperationException("the server reports no gRPC address");
        return new InferenceServerHost(app, address, metrics);
    }

    /// <summary>Graceful stop: refuses new calls, lets unary calls finish, ends streams with UNAVAILABLE.</summary>
    public Task StopAsync(CancellationToken cancellationToken = default) => _app.StopAsync(cancellationToken);

    /// <summary>Completes when the host stops by itself (a signal) or through <see cref="StopAsync"/>.</summary>
    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => _app.WaitForShutdownAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _app.StopAsync(CancellationToken.None);
        }
        finally
        {
            await _app.DisposeAsync(); // disposes the repository: every model version is unloaded
        }
    }

    private static string Host(GrpcServerOptions grpc) =>
        grpc.Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{grpc.Address}]" : grpc.Address.ToString();
}
