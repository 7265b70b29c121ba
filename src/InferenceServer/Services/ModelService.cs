using System.Globalization;
using System.Threading.Channels;
using Google.Protobuf.Reflection;
using RbpPipeline.Contracts.Manifests;
using RbpPipeline.Contracts.Rbp.V1;
using RbpPipeline.Grpc;
using RbpPipeline.InferenceServer.Grpc;
using RbpPipeline.InferenceServer.Hosting;
using RbpPipeline.InferenceServer.Models;
using ProtoInputInfo = RbpPipeline.Contracts.Rbp.V1.InputInfo;
using ProtoTaskInfo = RbpPipeline.Contracts.Rbp.V1.TaskInfo;

namespace RbpPipeline.InferenceServer.Services;

/// <summary><c>rbp.v1.ModelService</c>: model discovery, unary prediction and bidirectional streaming prediction.</summary>
public sealed class ModelService(ModelRepository repository, Predictor predictor, ServingOptions options) : IGrpcService
{
    public const string UnaryLimitHint = "Send large inputs over PredictStream in several messages.";
    public const string StreamLimitHint = "Split the stream's messages into smaller ones.";

    public static ServiceDescriptor Descriptor => RbpReflection.Descriptor.FindTypeByName<ServiceDescriptor>("ModelService");

    public void Bind(GrpcServiceBinder binder) =>
        binder.Service(Descriptor)
            .Unary<ListModelsRequest, ListModelsResponse>("ListModels", ListModelsAsync)
            .Unary<PredictRequest, PredictResponse>("Predict", PredictAsync)
            .DuplexStreaming<PredictRequest, PredictResponse>("PredictStream", PredictStreamAsync);

    private Task<ListModelsResponse> ListModelsAsync(ListModelsRequest request, ServerCallContext context)
    {
        var response = new ListModelsResponse();
        // Newest version first within each model, models by name.
        foreach (var group in repository.Versions.GroupBy(m => m.Name, StringComparer.Ordinal))
        {
            if (request.NameFilter.Length > 0 && !group.Key.Contains(request.NameFilter, StringComparison.Ordinal)) continue;
            var versions = group.Select(m => m.Version).Order().ToList();
            foreach (var model in group.OrderByDescending(m => m.Version)) response.Models.Add(Describe(model, versions));
        }
        return Task.FromResult(response);
    }

    private Task<PredictResponse> PredictAsync(PredictRequest request, ServerCallContext context) =>
        predictor.PredictAsync(request, UnaryLimitHint, context.CancellationToken);

    /// <summary>
    /// Reads requests and answers each as soon as it is ready (ids echoed; the order may differ). At most
    /// <see cref="ServingOptions.MaxStreamRequestsInFlight"/> requests are worked on at once: the request stream is
    /// not read further until one finishes, so HTTP/2 flow control holds a fast client back and memory stays bounded.
    /// The first failing request ends the stream with its status, its id named in the message.
    /// </summary>
    private async Task PredictStreamAsync(IAsyncStreamReader<PredictRequest> requests, IAsyncStreamWriter<PredictResponse> responses,
        ServerCallContext context)
    {
        var limit = Math.Max(1, options.MaxStreamRequestsInFlight);
        using var stream = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
        var token = stream.Token;
        using var slots = new SemaphoreSlim(limit, limit);
        var ready = Channel.CreateBounded<PredictResponse>(new BoundedChannelOptions(limit) { SingleReader = true });
        Exception? failure = null;

        void Fail(Exception e)
        {
            Interlocked.CompareExchange(ref failure, e, null);
            try { stream.Cancel(); } catch (ObjectDisposedException) { }
        }

        var writer = Task.Run(async () =>
        {
            try
            {
                await foreach (var response in ready.Reader.ReadAllAsync(token).ConfigureAwait(false))
                    await responses.WriteAsync(response, token).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                Fail(e);
            }
        }, CancellationToken.None);

        async Task ProcessAsync(PredictRequest request)
        {
            try
            {
                var response = await predictor.PredictAsync(request, StreamLimitHint, token).ConfigureAwait(false);
                await ready.Writer.WriteAsync(response, token).ConfigureAwait(false);
            }
            catch (RpcException e)
            {
                var id = request.Id.Length > 0 ? $"request '{request.Id}'" : "a request";
                Fail(new RpcException(new Status(e.StatusCode, $"{id}: {e.Status.Detail}")));
            }
            catch (Exception e)
            {
                Fail(e);
            }
            finally
            {
                slots.Release();
            }
        }

        try
        {
            while (await requests.MoveNext(token).ConfigureAwait(false))
            {
                var request = requests.Current;
                await slots.WaitAsync(token).ConfigureAwait(false);
                _ = ProcessAsync(request);
            }
        }
        catch (Exception e) when (failure is not null || e is not OperationCanceledException)
        {
            Fail(e);
        }
        finally
        {
            // Wait for every request still being worked on: each returns its slot when done.
            for (var i = 0; i < limit; i++) await slots.WaitAsync(CancellationToken.None).ConfigureAwait(false);
            ready.Writer.TryComplete();
            await writer.ConfigureAwait(false);
        }
        if (failure is not null)
        {
            if (failure is OperationCanceledException) context.CancellationToken.ThrowIfCancellationRequested();
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        }
    }

    private static ModelInfo Describe(ServedModel model, IReadOnlyList<long> versions)
    {
        var manifest = model.Manifest;
        var info = new ModelInfo
        {
            Name = model.Name,
            Version = model.Version,
            Architecture = manifest.Architecture.Name,
            ManifestJson = model.ManifestJson,
        };
        info.AvailableVersions.AddRange(versions);
        foreach (var task in manifest.Tasks)
            info.Tasks.Add(new ProtoTaskInfo { Name = task.Name, Type = task.Type.ToString().ToLowerInvariant() });
        foreach (var input in manifest.Inputs)
        {
            var proto = new ProtoInputInfo { Name = input.Name, Length = input.Length };
            proto.Channels.AddRange(input.Channels);
            info.Inputs.Add(proto);
        }
        foreach (var metric in manifest.Metrics)
            info.Metrics[MetricKey(metric)] = metric.Value;
        if (manifest.Parity is { } parity)
        {
            info.Parity = new ParityInfo
            {
                ForwardMaxAbsDiff = parity.Forward.MaxAbsDiff,
                ForwardMaxRelDiff = parity.Forward.MaxRelDiff,
                GradientMaxAbsDiff = parity.Gradient?.MaxAbsDiff ?? 0,
                GradientMaxRelDiff = parity.Gradient?.MaxRelDiff ?? 0,
            };
        }
        return info;
    }

    /// <summary>"split/name/task", e.g. "test/auroc/PUM2", or "split/name" for whole-model figures.</summary>
    public static string MetricKey(MetricValue metric) =>
        metric.Task is null
            ? string.Create(CultureInfo.InvariantCulture, $"{metric.Split}/{metric.Name}")
            : string.Create(CultureInfo.InvariantCulture, $"{metric.Split}/{metric.Name}/{metric.Task}");
}
