using System.Globalization;
using System.Net;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;
using RbpPipeline.Client;
using RbpPipeline.Contracts.SequenceEncoding;
using RbpPipeline.InferenceServer.Hosting;
using RbpPipeline.InferenceServer.KServe.V2;
using RbpPipeline.InferenceServer.Tests.Support;

namespace RbpPipeline.InferenceServer.Tests.Serving;

/// <summary>An inference server on 127.0.0.1 (ephemeral gRPC and metrics ports) over a test repository.</summary>
public sealed class ServingServer : IAsyncDisposable
{
    private readonly HttpClient _http = new();

    private ServingServer(InferenceServerHost host, ListLoggerProvider logs, ServerConnection channel)
    {
        Host = host;
        Logs = logs;
        Channel = channel;
        Models = channel.Models;
    }

    public InferenceServerHost Host { get; }

    public ListLoggerProvider Logs { get; }

    public ServerConnection Channel { get; }

    public Contracts.Rbp.V1.ModelService.ModelServiceClient Models { get; }

    public string Target => $"{Host.Address.Host}:{Host.Address.Port}";

    public static readonly Method<ModelInferRequest, ModelInferResponse> ModelInfer =
        ClientMethods.Create<ModelInferRequest, ModelInferResponse>(MethodType.Unary, "inference.GRPCInferenceService", "ModelInfer");

    public static readonly Method<ModelMetadataRequest, ModelMetadataResponse> ModelMetadata =
        ClientMethods.Create<ModelMetadataRequest, ModelMetadataResponse>(MethodType.Unary, "inference.GRPCInferenceService", "ModelMetadata");

    public static readonly Method<ServerMetadataRequest, ServerMetadataResponse> ServerMetadata =
        ClientMethods.Create<ServerMetadataRequest, ServerMetadataResponse>(MethodType.Unary, "inference.GRPCInferenceService", "ServerMetadata");

    public static readonly Method<ServerLiveRequest, ServerLiveResponse> ServerLive =
        ClientMethods.Create<ServerLiveRequest, ServerLiveResponse>(MethodType.Unary, "inference.GRPCInferenceService", "ServerLive");

    public static readonly Method<ServerReadyRequest, ServerReadyResponse> ServerReady =
        ClientMethods.Create<ServerReadyRequest, ServerReadyResponse>(MethodType.Unary, "inference.GRPCInferenceService", "ServerReady");

    public static readonly Method<ModelReadyRequest, ModelReadyResponse> ModelReady =
        ClientMethods.Create<ModelReadyRequest, ModelReadyResponse>(MethodType.Unary, "inference.GRPCInferenceService", "ModelReady");

    public static async Task<ServingServer> StartAsync(TestModelRepository repository, Action<ServingOptions>? configure = null,
        Action<GrpcServerOptions>? configureGrpc = null, TimeSpan? shutdownTimeout = null)
    {
        var serving = new ServingOptions
        {
            RepositoryPath = repository.Root,
            IntraOpThreads = 1,
            MetricsPort = 0,
            MaxQueueDelay = TimeSpan.FromMilliseconds(2),
            RescanInterval = TimeSpan.FromSeconds(2),
            WatchDebounce = TimeSpan.FromMilliseconds(100),
        };
        configure?.Invoke(serving);
        var grpc = new GrpcServerOptions { Address = IPAddress.Loopback, Port = 0 };
        configureGrpc?.Invoke(grpc);
        var logs = new ListLoggerProvider();
        var host = await InferenceServerHost.StartAsync(grpc, serving, logging =>
        {
            logging.ClearProviders();
            logging.AddProvider(logs);
            logging.SetMinimumLevel(LogLevel.Debug);
            logging.AddFilter("Microsoft", LogLevel.Warning);
        }, TestContext.Current.CancellationToken, shutdownTimeout);
        return new ServingServer(host, logs, ServerConnection.Open(new ServerOptions { Servers = [host.Address.ToString()] }));
    }

    public Task<ModelInferResponse> InferAsync(ModelInferRequest request) => UnaryAsync(ModelInfer, request);

    /// <summary>A unary KServe call by method handle, over the connection's invoker.</summary>
    public Task<TResponse> UnaryAsync<TRequest, TResponse>(Method<TRequest, TResponse> method, TRequest request)
        where TRequest : class where TResponse : class =>
        Channel.Invoker.AsyncUnaryCall(method, null, new CallOptions(cancellationToken: TestContext.Current.CancellationToken), request).ResponseAsync;

    public async Task<string> MetricsTextAsync() =>
        await _http.GetStringAsync(new Uri(Host.MetricsAddress!, "/metrics"), TestContext.Current.CancellationToken);

    /// <summary>The value of one series, e.g. <c>rbp_batch_size_count{model="m:1"}</c>; 0 when absent.</summary>
    public async Task<double> MetricAsync(string series)
    {
        var text = await MetricsTextAsync();
        foreach (var line in text.Split('\n'))
            if (line.StartsWith(series + " ", StringComparison.Ordinal))
                return double.Parse(line[(series.Length + 1)..], CultureInfo.InvariantCulture);
        return 0;
    }

    /// <summary>Waits until <paramref name="condition"/> holds (the repository watcher works asynchronously).</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, TimeSpan? timeout = null, string what = "condition")
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"timed out waiting for {what}");
            await Task.Delay(25, TestContext.Current.CancellationToken);
        }
    }

    public bool Logged(LogLevel level, string text) =>
        Logs.Entries.Any(e => e.Level == level && e.Message.Contains(text, StringComparison.Ordinal));

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        _http.Dispose();
        await Host.DisposeAsync();
    }
}

/// <summary>In-process ONNX Runtime over a published model file: the oracle the server's answers are compared with.</summary>
public sealed class InProcessModel : IDisposable
{
    private readonly InferenceSession _session;

    public InProcessModel(string folder)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 1 };
        _session = new InferenceSession(Path.Combine(folder, "model.onnx"), options);
    }

    /// <summary>Runs the model on encoded inputs (name → [batch, channels, L] data) and returns output name → [batch, columns].</summary>
    public Dictionary<string, float[]> Run(IReadOnlyList<EncodedTensor> inputs)
    {
        var values = inputs.Select(t => OrtValue.CreateTensorValueFromMemory(t.Data, t.Shape)).ToList();
        try
        {
            using var results = _session.Run(new RunOptions(), [.. inputs.Select(i => i.Name)], values, [.. _session.OutputNames]);
            return _session.OutputNames.Zip(results).ToDictionary(p => p.First, p => p.Second.GetTensorDataAsSpan<float>().ToArray());
        }
        finally
        {
            foreach (var value in values) value.Dispose();
        }
    }

    public void Dispose() => _session.Dispose();
}
