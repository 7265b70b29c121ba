using System.Security.Cryptography.X509Certificates;
using Grpc.AspNetCore.Server;
using Grpc.HealthCheck;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using RbpPipeline.InferenceServer.Interceptors;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace RbpPipeline.InferenceServer.Hosting;

/// <summary>
/// grpc-dotnet on Kestrel, configured from <see cref="GrpcServerOptions"/>: listener (h2c, or TLS with HTTP/1.1 and
/// HTTP/2), message size limits, response compression, the exception→status interceptor, bearer-token authentication,
/// <c>grpc.health.v1</c> and server reflection (v1 and v1alpha).
/// </summary>
public static class GrpcHostingExtensions
{
    /// <summary>Registers grpc-dotnet and what goes with it, and configures Kestrel's listener.</summary>
    public static WebApplicationBuilder AddRbpGrpc(this WebApplicationBuilder builder, GrpcServerOptions options)
    {
        var services = builder.Services;
        services.TryAddSingleton(options);
        services.AddGrpc(grpc =>
        {
            grpc.MaxReceiveMessageSize = options.MaxReceiveMessageSize;
            grpc.MaxSendMessageSize = options.MaxSendMessageSize;
            grpc.ResponseCompressionAlgorithm = options.ResponseCompression;
            grpc.EnableDetailedErrors = options.EnableDetailedErrors;
            grpc.Interceptors.Add<ExceptionStatusInterceptor>();
            if (options.ResponseCompression is null) grpc.Interceptors.Add<CompressionInKindInterceptor>();
        });
        if (options.EnableReflection) services.AddGrpcReflection();
        services.TryAddSingleton<HealthServiceImpl>();
        services.TryAddSingleton<ServerStopping>();
        services.AddHostedService<StoppingCallsDrain>();
        services.AddRbpBearerTokens(options);

        var certificate = GrpcCertificates.Load(options);
        if (certificate is not null) builder.WebHost.UseKestrelHttpsConfiguration();
        builder.WebHost.ConfigureKestrel(kestrel => ConfigureKestrel(kestrel, options, certificate));
        return builder;
    }

    /// <summary>
    /// Adds authentication/authorization to the pipeline and maps health and reflection. Map the application's own
    /// services with <c>MapGrpcService&lt;T&gt;()</c> after this. Once the host has started, the server ("") and every
    /// mapped service report SERVING; when it begins stopping, everything reports NOT_SERVING.
    /// </summary>
    public static WebApplication UseRbpGrpc(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<GrpcServerOptions>();
        app.UseAuthentication();
        app.UseAuthorization();
        if (options.EnableHealth)
        {
            var health = app.MapGrpcService<HealthServiceImpl>();
            if (options.AllowUnauthenticatedHealth) health.AllowAnonymous();
        }
        if (options.EnableReflection) app.MapGrpcReflectionService();

        var healthService = app.Services.GetRequiredService<HealthServiceImpl>();
        var lifetime = app.Services.GetRequiredService<IHostApplicationLifetime>();
        lifetime.ApplicationStarted.Register(() =>
        {
            healthService.SetStatus("", ServingStatus.Serving);
            foreach (var service in MappedServices(app)) healthService.SetStatus(service, ServingStatus.Serving);
        });
        lifetime.ApplicationStopping.Register(() =>
        {
            healthService.SetStatus("", ServingStatus.NotServing);
            foreach (var service in MappedServices(app)) healthService.SetStatus(service, ServingStatus.NotServing);
        });
        return app;
    }

    /// <summary>Full names of the gRPC services mapped on the application's endpoints.</summary>
    public static IReadOnlyList<string> MappedServices(IEndpointRouteBuilder endpoints) =>
        [.. endpoints.DataSources.SelectMany(d => d.Endpoints)
            .Select(e => e.Metadata.GetMetadata<GrpcMethodMetadata>()?.Method.ServiceName)
            .OfType<string>()
            .Distinct(StringComparer.Ordinal)];

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
