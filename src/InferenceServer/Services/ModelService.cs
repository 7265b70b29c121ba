using System.Globalization;
using System.Threading.Channels;
using Grpc.Core;
using RbpPipeline.Contracts.Manifests;
using RbpPipeline.Contracts.Rbp.V1;
using RbpPipeline.InferenceServer.Hosting;
using RbpPipeline.InferenceServer.Models;
using ProtoInputInfo = RbpPipeline.Contracts.Rbp.V1.InputInfo;
using ProtoTaskInfo = RbpPipeline.Contracts.Rbp.V1.TaskInfo;
using Rbp = RbpPipeline.Contracts.Rbp.V1;

namespace RbpPipeline.InferenceServer.Services;

/// <summary><c>rbp.v1.ModelService</c>: model discovery, unary prediction and bidirectional streaming prediction.</summary>
public sealed class ModelService(ModelRepository repository, Predictor predictor, ServingOptions options, ServerStopping stopping)
    : Rbp.ModelService.ModelServiceBase
{
    public const string UnaryLimitHint = "Send large inputs over PredictStream in several messages.";
    public const string StreamLimitHint = "Split the stream's messages into smaller ones.";

    public override Task<ListModelsResponse> ListModels(ListModelsRequest request, ServerCallContext context)
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

    public override Task<PredictResponse> Predict(PredictRequest request, ServerCallContext context) =>
        predictor.PredictAsync(request, UnaryLimitHint, context.CancellationToken);

    /// <summary>
    /// Reads requests and answers each as soon as it is ready (ids echoed; the order may differ). At most
    /// <see cref="ServingOptions.MaxStreamRequestsInFlight"/> requests are worked on at once: the request stream is
    /// not read further until one finishes, so HTTP/2 flow control holds a fast client back and memory stays bounded.
    /// One cancellation source covers the call: the client going away, its deadline, the server stopping (the stream
    /// then ends with UNAVAILABLE) and the first failing request (the stream ends with its status, its id named).
    /// </summary>
    public override async Task PredictStream(IAsyncStreamReader<PredictRequest> requests, IServerStreamWriter<PredictResponse> responses,
        ServerCallContext context)
    {
        var limit = Math.Max(1, options.MaxStreamRequestsInFlight);
        using var call = stopping.Link(context);
        var token = call.Token;
        using var slots = new SemaphoreSlim(limit, limit);
        var ready = Channel.CreateUnbounded<PredictResponse>(new UnboundedChannelOptions { SingleReader = true });
        var work = new List<Task>();
        Exception? failure = null;

        void Fail(Exception e)
        {
            Interlocked.CompareExchange(ref failure, e, null);
            call.Cancel();
        }

        async Task AnswerAsync(PredictRequest request)
        {
            try
            {
                var response = await predictor.PredictAsync(request, StreamLimitHint, token).ConfigureAwait(false);
                ready.Writer.TryWrite(response);
            }
            catch (Exception e) when (e is not OperationCanceledException || !token.IsCancellationRequested)
            {
                Fail(new StreamRequestException(request.Id, e));
            }
            catch (OperationCanceledException)
            {
                // The call is ending for another reason, which is the one reported.
            }
            finally
            {
                slots.Release();
            }
        }

        async Task WriteAsync()
        {
            try
            {
                await foreach (var response in ready.Reader.ReadAllAsync(token).ConfigureAwait(false))
                    await responses.WriteAsync(response, token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !token.IsCancellationRequested)
            {
                Fail(e);
            }
            catch (OperationCanceledException)
            {
            }
        }

        var writer = WriteAsync();
        Exception? ended = null;
        try
        {
            while (await requests.MoveNext(token).ConfigureAwait(false))
            {
                await slots.WaitAsync(token).ConfigureAwait(false);
                work.Add(AnswerAsync(requests.Current));
                if (work.Count > 4 * limit) work.RemoveAll(t => t.IsCompleted);
            }
        }
        catch (Exception e)
        {
            ended = e;
            call.Cancel();
        }
        await Task.WhenAll(work).ConfigureAwait(false);
        ready.Writer.TryComplete();
        await writer.ConfigureAwait(false);
        if (failure is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        if (ended is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(ended);
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
