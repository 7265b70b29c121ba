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
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;
using RbpPipeline.InferenceServer.Execution;
using Grpc.HealthCheck;
using RbpPipeline.InferenceServer.Models;
using RbpPipeline.InferenceServer.Observability;
using RbpPipeline.InferenceServer.Services;

namespace RbpPipeline.InferenceServer.Hosting;

/// <summary>Adds model serving (repository, sessions, batching, rbp.v1 and KServe services, metrics) to a gRPC host.</summary>
public static class InferenceServingExtensions
{
    public static WebApplicationBuilder AddRbpModelServing(this WebApplicationBuilder builder, ServingOptions options)
    {
        var services = builder.Services;
        services.TryAddSingleton(options);
        services.TryAddSingleton<ServerMetrics>();
        services.TryAddSingleton<OnnxSessionFactory>();
        services.TryAddSingleton<ModelRepository>();
        services.TryAddSingleton<Predictor>();
        services.TryAddSingleton<ServerReadiness>();
        return builder;
    }

    /// <summary>
    /// Maps the serving services and <c>GET /metrics</c>, and keeps the health service's per-model statuses (service
    /// name = model name: SERVING while a version of it is served, NOT_SERVING once it is gone) in step with the
    /// repository, so a load balancer can route by model. <see cref="ServerReadiness.ServiceName"/> reports NOT_SERVING
    /// until <see cref="ServerReadiness.InitialLoadFinished"/> and again from the moment the host begins stopping.
    /// </summary>
    public static WebApplication MapRbpModelServing(this WebApplication app)
    {

        app.MapGrpcService<ModelService>();
        app.MapGrpcService<InterpretationService>();
        app.MapGrpcService<KServeInferenceService>();
        app.MapRbpMetrics();

        var health = app.Services.GetRequiredService<HealthServiceImpl>();
        var served = new HashSet<string>(StringComparer.Ordinal);
        app.Services.GetRequiredService<ModelRepository>().ServedModelsChanged += models =>
        {
            lock (served)
            {
                foreach (var gone in served.Except(models).ToList())
                {
                    health.SetStatus(gone, ServingStatus.NotServing);
                    served.Remove(gone);
                }
                foreach (var model in models)
                {
                    health.SetStatus(model, ServingStatus.Serving);
                    served.Add(model);
                }
            }
        };
        app.Lifetime.ApplicationStopping.Register(() =>
        {
            lock (served) foreach (var model in served) health.SetStatus(model, ServingStatus.NotServing);
        });
        // Registered last, and stopping callbacks run last-registered first: readiness is the first status to change;
        // Kestrel drains the calls in flight only after every callback has run.
        app.Lifetime.ApplicationStopping.Register(app.Services.GetRequiredService<ServerReadiness>().Stopping);
        return app;
    }

    /// <summary>Maps <c>GET /metrics</c> (Prometheus text format), open to scrapers without a bearer token.</summary>
    public static IEndpointConventionBuilder MapRbpMetrics(this IEndpointRouteBuilder endpoints)
    {
        var metrics = endpoints.ServiceProvider.GetRequiredService<ServerMetrics>();
        return endpoints.MapGet("/metrics", (HttpContext context) =>
        {
            context.Response.ContentType = ServerMetrics.ContentType;
            return context.Response.WriteAsync(metrics.Render(), context.RequestAborted);
        }).AllowAnonymous();
    }
}

/// <summary>
/// The inference server in one object (the CLI's <c>serve</c>, tests and benchmarks): grpc-dotnet on Kestrel with
/// health and reflection, <c>rbp.v1.ModelService</c>, <c>rbp.v1.InterpretationService</c>,
/// <c>inference.GRPCInferenceService</c> and <c>/metrics</c>. The port opens first (liveness answers at once), then
/// the repository loads while <see cref="ServerReadiness.ServiceName"/> reports NOT_SERVING; <see cref="StartAsync"/>
/// returns once it has loaded and readiness is SERVING. Stopping turns readiness NOT_SERVING first, then
/// lets unary predictions in flight finish (up to the shutdown timeout, after which Kestrel aborts them and their work
/// is cancelled), ends streams and interpretation calls at once with UNAVAILABLE, and then unloads every model.
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

    /// <summary>The <c>grpc.health.v1</c> service's statuses ("" for the server, service and model names).</summary>
    public HealthServiceImpl Health => _app.Services.GetRequiredService<HealthServiceImpl>();

    /// <summary>The readiness status (<see cref="ServerReadiness.ServiceName"/>).</summary>
    public ServerReadiness Readiness => _app.Services.GetRequiredService<ServerReadiness>();

    /// <summary>Resolves when the host has begun stopping (Ctrl+C, SIGTERM or <see cref="StopAsync"/>).</summary>
    public CancellationToken Stopping => _app.Lifetime.ApplicationStopping;

    public static async Task<InferenceServerHost> StartAsync(GrpcServerOptions grpc, ServingOptions serving,
        Action<ILoggingBuilder>? configureLogging = null, CancellationToken cancellationToken = default,
        TimeSpan? shutdownTimeout = null, IReadOnlyList<IInferenceServerExtension>? extensions = null)
    {
        extensions ??= [];
        var builder = WebApplication.CreateSlimBuilder();
        configureLogging?.Invoke(builder.Logging);
        builder.AddRbpGrpc(grpc).AddRbpModelServing(serving);
        foreach (var extension in extensions) extension.Configure(builder, grpc);
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
            foreach (var extension in extensions) extension.UseBeforeAuthentication(app);
            app.UseRbpGrpc();
            app.MapRbpModelServing();
            foreach (var extension in extensions) extension.Map(app);
            await app.StartAsync(cancellationToken);
            await app.Services.GetRequiredService<ModelRepository>().StartAsync(cancellationToken);
            app.Services.GetRequiredService<ServerReadiness>().InitialLoadFinished();
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
        var sidePorts = extensions.SelectMany(e => e.Ports).ToHashSet();
        var address = addresses.FirstOrDefault(a => (metrics is null || a.Port != metrics.Port) && !sidePorts.Contains(a.Port))
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
