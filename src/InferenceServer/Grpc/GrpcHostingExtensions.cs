using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using RbpPipeline.Grpc.Health.V1;
using RbpPipeline.InferenceServer.Health;

namespace RbpPipeline.InferenceServer.Grpc;

/// <summary>Adds the gRPC layer to an ASP.NET Core application.</summary>
public static class GrpcHostingExtensions
{
    /// <summary>
    /// Registers the gRPC layer and configures Kestrel to listen for it (address, port, HTTP/2, TLS, stream
    /// limits) from <paramref name="options"/>. Add services on the returned builder, then call
    /// <see cref="MapRbpGrpc"/> on the built application.
    /// </summary>
    public static GrpcServerBuilder AddRbpGrpc(this WebApplicationBuilder builder, GrpcServerOptions options)
    {
        var grpc = builder.Services.AddRbpGrpc(options);
        var certificate = GrpcCertificates.Load(options);
        if (certificate is not null) builder.WebHost.UseKestrelHttpsConfiguration();
        builder.WebHost.ConfigureKestrel(kestrel => ConfigureKestrel(kestrel, options, certificate));
        return grpc;
    }

    public static GrpcServerBuilder AddRbpGrpc(this WebApplicationBuilder builder, Action<GrpcServerOptions>? configure = null)
    {
        var options = new GrpcServerOptions();
        configure?.Invoke(options);
        return builder.AddRbpGrpc(options);
    }

    /// <summary>Registers the gRPC layer only; the host configures Kestrel (HTTP/2 is required) itself.</summary>
    public static GrpcServerBuilder AddRbpGrpc(this IServiceCollection services, GrpcServerOptions options)
    {
        services.TryAddSingleton(options);
        services.TryAddSingleton<HealthStatusRegistry>();
        services.TryAddSingleton<GrpcServiceRegistry>();
        services.TryAddSingleton<BearerTokenAuthenticator>();
        services.TryAddSingleton<GrpcDispatcher>();
        return new GrpcServerBuilder(services);
    }

    /// <summary>
    /// Binds every registered service (binding errors throw here, before the server listens) and maps the
    /// catch-all route that serves gRPC calls. The catch-all (<c>{**path}</c>) also matches paths with dots,
    /// which every gRPC path has; it has the lowest precedence, so other endpoints of the host still win.
    /// </summary>
    public static IEndpointConventionBuilder MapRbpGrpc(this IEndpointRouteBuilder endpoints)
    {
        var services = endpoints.ServiceProvider;
        services.GetRequiredService<GrpcServiceRegistry>();
        var dispatcher = services.GetRequiredService<GrpcDispatcher>();
        var health = services.GetRequiredService<HealthStatusRegistry>();
        services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.Register(
            () => health.SetAll(HealthCheckResponse.Types.ServingStatus.NotServing));
        var route = endpoints.Map("{**path}", dispatcher.DispatchAsync).WithDisplayName("gRPC");
        route.Add(b => ((RouteEndpointBuilder)b).Order = int.MaxValue);
        return route;
    }

    private static void ConfigureKestrel(KestrelServerOptions kestrel, GrpcServerOptions options, X509Certificate2? certificate)
    {
        kestrel.AddServerHeader = false;
        kestrel.Limits.Http2.MaxStreamsPerConnection = options.MaxConcurrentStreamsPerConnection;
        kestrel.Listen(options.Address, options.Port, listen =>
        {
            if (certificate is null)
            {
                // Cleartext HTTP/2 needs prior knowledge: no HTTP/1.1 upgrade dance on a gRPC port.
                listen.Protocols = HttpProtocols.Http2;
            }
            else
            {
                listen.Protocols = HttpProtocols.Http1AndHttp2;
                listen.UseHttps(certificate);
            }
        });
    }
}

/// <summary>Adds gRPC services (each an <see cref="IGrpcService"/>, a DI singleton) to the server.</summary>
public sealed class GrpcServerBuilder(IServiceCollection services)
{
    public IServiceCollection Services { get; } = services;

    public GrpcServerBuilder AddService<TService>() where TService : class, IGrpcService
    {
        Services.TryAddSingleton<TService>();
        Services.AddSingleton<IGrpcService>(sp => sp.GetRequiredService<TService>());
        return this;
    }

    public GrpcServerBuilder AddService(IGrpcService instance)
    {
        Services.AddSingleton(instance);
        return this;
    }
}

/// <summary>Loads the TLS certificate named by the options (PFX, or PEM with the key beside or inside).</summary>
public static class GrpcCertificates
{
    public static X509Certificate2? Load(GrpcServerOptions options)
    {
        var path = options.CertificatePath;
        if (string.IsNullOrEmpty(path)) return null;
        if (!File.Exists(path)) throw new FileNotFoundException($"TLS certificate file not found: {path}", path);
        var extension = Path.GetExtension(path).ToLowerInvariant();
        if (extension is ".pfx" or ".p12")
            return X509CertificateLoader.LoadPkcs12FromFile(path, options.CertificatePassword);
        var keyPath = options.CertificateKeyPath ?? path;
        return options.CertificatePassword is null
            ? X509Certificate2.CreateFromPemFile(path, keyPath)
            : X509Certificate2.CreateFromEncryptedPemFile(path, options.CertificatePassword, keyPath);
    }
}
