using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using RbpPipeline.Client.Variants;
using RbpPipeline.InferenceServer.Hosting;
using RbpPipeline.InferenceServer.Models;

namespace RbpPipeline.Explorer;

/// <summary>
/// The web explorer as part of the inference server: its own HTTP/1.1 port (HTTPS with the gRPC certificate when
/// TLS is on), the page's static files there, rbp.v1 as JSON through gRPC JSON transcoding (the same service
/// classes, interceptors and bearer-token check as the gRPC API), and the render and variant-window endpoints.
/// </summary>
public sealed class WebExplorer(ExplorerOptions options) : IInferenceServerExtension, IDisposable
{
    private ListenOptions? _listener;
    private Lazy<IndexedFasta>? _genome;

    /// <summary>The page's address once the host has started (http://host:port/).</summary>
    public Uri? Address { get; private set; }

    public IEnumerable<int> Ports => _listener?.IPEndPoint is { } endpoint ? [endpoint.Port] : [];

    public void Configure(WebApplicationBuilder builder, GrpcServerOptions grpc)
    {
        builder.Services.AddGrpc().AddJsonTranscoding();
        var certificate = GrpcCertificates.Load(grpc);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(grpc.Address, options.Port, listen =>
        {
            // Browsers speak HTTP/2 only over TLS; in cleartext the page and its JSON calls use HTTP/1.1.
            if (certificate is null) listen.Protocols = HttpProtocols.Http1;
            else
            {
                listen.Protocols = HttpProtocols.Http1AndHttp2;
                listen.UseHttps(certificate);
            }
            _listener = listen;
        }));
        if (options.ReferenceFastaPath is { } fasta)
        {
            if (!File.Exists(fasta)) throw new FileNotFoundException($"--reference-fasta: {fasta} does not exist", fasta);
            _genome = new Lazy<IndexedFasta>(() => IndexedFasta.Open(fasta));
        }
        _scheme = certificate is null ? "http" : "https";
        _host = grpc.Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{grpc.Address}]" : grpc.Address.ToString();
    }

    private string _scheme = "http";
    private string _host = "127.0.0.1";

    public void UseBeforeAuthentication(WebApplication app)
    {
        var root = options.WebRoot ?? Path.Combine(AppContext.BaseDirectory, "explorer");
        if (!Directory.Exists(root)) throw new DirectoryNotFoundException($"the explorer's files are missing: {root} (build src/Explorer, or serve with --no-web)");
        var files = new PhysicalFileProvider(root);
        // The page loads without a token (it asks for one); only its own port serves it.
        app.UseWhen(context => Ports.Contains(context.Connection.LocalPort), page =>
        {
            page.Use((context, next) =>
            {
                context.Response.Headers.ContentSecurityPolicy =
                    "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; object-src 'none'; frame-ancestors 'none'";
                context.Response.Headers.XContentTypeOptions = "nosniff";
                return next(context);
            });
            page.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
            page.UseStaticFiles(new StaticFileOptions
            {
                FileProvider = files,
                ContentTypeProvider = new FileExtensionContentTypeProvider(),
                OnPrepareResponse = r => r.Context.Response.Headers.CacheControl = "no-cache",
            });
        });
    }

    public void Map(WebApplication app)
    {
        var grpc = app.Services.GetRequiredService<GrpcServerOptions>();
        app.MapGet("/api/explorer/config", () => Results.Json(new
        {
            referenceFasta = _genome is not null,
            tokenRequired = grpc.BearerTokens.Any(t => t.Length > 0),
        })).AllowAnonymous();
        RenderEndpoints.Map(app);
        VariantWindowEndpoint.Map(app, app.Services.GetRequiredService<ModelRepository>(), _genome);
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            if (Ports.FirstOrDefault() is var port and > 0) Address = new Uri($"{_scheme}://{_host}:{port}/");
        });
    }

    public void Dispose()
    {
        if (_genome is { IsValueCreated: true }) _genome.Value.Dispose();
    }
}
