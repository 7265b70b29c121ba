using Microsoft.AspNetCore.Builder;

namespace RbpPipeline.InferenceServer.Hosting;

/// <summary>
/// Something served by the same host beside the gRPC services (the web explorer, src/Explorer): it registers its
/// services and listeners, adds middleware ahead of authentication (static files a browser loads before it has a
/// token), and maps its endpoints after the gRPC services.
/// </summary>
public interface IInferenceServerExtension
{
    void Configure(WebApplicationBuilder builder, GrpcServerOptions grpc);

    /// <summary>Middleware that runs before authentication and authorization.</summary>
    void UseBeforeAuthentication(WebApplication app);

    void Map(WebApplication app);

    /// <summary>Ports this extension listens on (known once the host has started), which are not the gRPC port.</summary>
    IEnumerable<int> Ports { get; }
}
