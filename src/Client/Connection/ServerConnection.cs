using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Grpc.Net.Client.Balancer;
using Grpc.Net.Client.Configuration;
using Microsoft.Extensions.DependencyInjection;
using RbpPipeline.Contracts.Rbp.V1;

namespace RbpPipeline.Client;

/// <summary>
/// A Grpc.Net.Client channel to one server or to several replicas, configured from <see cref="ServerOptions"/>:
/// round-robin balancing over a static address list or dns:/// resolution, a retry policy for UNAVAILABLE (a call
/// that finds a replica gone is retried, on another replica when there is one), message size limits, a custom CA
/// and the bearer-token / gzip headers. A call, also a whole stream, sticks to the replica it started on: spread
/// work as many bounded calls (<see cref="BoundedCalls"/>).
/// </summary>
public sealed class ServerConnection : IDisposable
{
    private ServerConnection(GrpcChannel channel, CallInvoker invoker, ServerAddresses addresses)
    {
        Channel = channel;
        Invoker = invoker;
        Addresses = addresses;
    }

    public GrpcChannel Channel { get; }

    /// <summary>The channel with our request headers; what generated clients are built on.</summary>
    public CallInvoker Invoker { get; }

    public ServerAddresses Addresses { get; }

    public ModelService.ModelServiceClient Models => new(Invoker);

    public InterpretationService.InterpretationServiceClient Interpretation => new(Invoker);

    public static ServerConnection Open(ServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxAttempts, 1, nameof(options.MaxAttempts));
        // A dns:/// name carries no scheme of its own: TLS when a CA to trust is given.
        var addresses = ServerAddresses.Parse(options.Servers, tlsForDns: options.TrustedCertificate is not null);
        var channelOptions = new GrpcChannelOptions
        {
            HttpHandler = CreateHandler(options.TrustedCertificate),
            DisposeHttpClient = true,
            MaxReceiveMessageSize = options.MaxReceiveMessageSize,
            MaxSendMessageSize = options.MaxSendMessageSize,
            ServiceConfig = CreateServiceConfig(options.MaxAttempts),
        };
        if (addresses.Target.Scheme is not ("http" or "https"))
        {
            channelOptions.Credentials = addresses.Tls ? ChannelCredentials.SecureSsl : ChannelCredentials.Insecure;
            if (addresses.StaticList is { } list)
                channelOptions.ServiceProvider = new ServiceCollection()
                    .AddSingleton<ResolverFactory>(new StaticResolverFactory(_ => list))
                    .BuildServiceProvider();
        }
        var channel = GrpcChannel.ForAddress(addresses.Target, channelOptions);
        var headers = new List<KeyValuePair<string, string>>();
        if (options.BearerToken is { Length: > 0 } token) headers.Add(new("authorization", "Bearer " + token));
        if (options.Gzip) headers.Add(new(HeadersInterceptor.RequestCompressionHeader, "gzip"));
        var invoker = headers.Count == 0 ? channel.CreateCallInvoker() : channel.Intercept(new HeadersInterceptor(headers));
        return new ServerConnection(channel, invoker, addresses);
    }

    public void Dispose() => Channel.Dispose();

    /// <summary>Round robin over the replicas, and every method retried on UNAVAILABLE (the rbp.v1 calls compute and change nothing).</summary>
    private static ServiceConfig CreateServiceConfig(int maxAttempts)
    {
        var config = new ServiceConfig { LoadBalancingConfigs = { new RoundRobinConfig() } };
        if (maxAttempts > 1)
            config.MethodConfigs.Add(new MethodConfig
            {
                Names = { MethodName.Default },
                RetryPolicy = new RetryPolicy
                {
                    MaxAttempts = maxAttempts,
                    InitialBackoff = TimeSpan.FromMilliseconds(100),
                    MaxBackoff = TimeSpan.FromSeconds(2),
                    BackoffMultiplier = 2,
                    RetryableStatusCodes = { StatusCode.Unavailable },
                },
            });
        return config;
    }

    private static SocketsHttpHandler CreateHandler(X509Certificate2? trusted)
    {
        var handler = new SocketsHttpHandler
        {
            // Many concurrent calls must not queue behind one connection's stream limit.
            EnableMultipleHttp2Connections = true,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            KeepAlivePingDelay = TimeSpan.FromSeconds(60),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(30),
            UseProxy = false,
        };
        if (trusted is not null) handler.SslOptions.RemoteCertificateValidationCallback = TrustOnly(trusted);
        return handler;
    }

    /// <summary>Accepts a chain that ends in <paramref name="trusted"/> (names must still match).</summary>
    private static RemoteCertificateValidationCallback TrustOnly(X509Certificate2 trusted) => (_, certificate, _, errors) =>
    {
        if (errors == SslPolicyErrors.None) return true;
        if (certificate is not X509Certificate2 presented) return false;
        if ((errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None) return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(trusted);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(presented);
    };
}
