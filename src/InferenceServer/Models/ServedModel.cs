using Microsoft.Extensions.Logging;
using RbpPipeline.Contracts.Manifests;
using RbpPipeline.Contracts.SequenceEncoding;
using RbpPipeline.InferenceServer.Batching;
using RbpPipeline.InferenceServer.Execution;
using RbpPipeline.InferenceServer.Observability;

namespace RbpPipeline.InferenceServer.Models;

/// <summary>One output column of a model: a task, or one class of a multiclass task.</summary>
public sealed record OutputColumn(string Name, int TaskIndex, TaskInfo Task, int ClassIndex);

/// <summary>
/// One loaded model version: its verified manifest, ONNX Runtime sessions (forward, and gradient when published),
/// encoders built from the manifest's own encoding specification, and its dynamic batcher. Reference counted:
/// the repository holds one reference while the version is current and every request holds one through a
/// <see cref="ModelLease"/>; when the last is released the batcher stops and the sessions are disposed.
/// </summary>
public sealed class ServedModel
{
    private readonly TaskCompletionSource _disposed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ILogger _logger;
    private int _references = 1;

    internal ServedModel(string folder, ModelManifest manifest, string manifestJson, OnnxModelSession forward,
        OnnxModelSession? gradient, BatcherSettings batching, ServerMetrics metrics, ILogger logger)
    {
        Folder = folder;
        Manifest = manifest;
        ManifestJson = manifestJson;
        Forward = forward;
        Gradient = gradient;
        _logger = logger;
        Name = manifest.Name;
        Version = manifest.Version ?? throw new ArgumentException("a served model needs a version");
        Encoder = new InputEncoder(manifest.Encoding);
        // allow_resize on an 'exact' model: centre-crop or pad (the same encoder class, the policy relaxed).
        ResizingEncoder = manifest.Encoding.LengthPolicy == LengthPolicy.Exact
            ? new InputEncoder(manifest.Encoding with { LengthPolicy = LengthPolicy.Centre })
            : Encoder;
        RawOutputIndex = IndexOf(manifest, OutputMeaning.Raw);
        ProbabilityOutputIndex = IndexOf(manifest, OutputMeaning.Probability);
        var columns = new List<OutputColumn>();
        for (var t = 0; t < manifest.Tasks.Count; t++)
        {
            var task = manifest.Tasks[t];
            if (task.Type == TaskType.Multiclass)
                for (var c = 0; c < task.Classes!.Count; c++) columns.Add(new OutputColumn($"{task.Name}/{task.Classes[c]}", t, task, c));
            else
                columns.Add(new OutputColumn(task.Name, t, task, -1));
        }
        Columns = columns;
        HasClassification = manifest.Tasks.Any(t => t.Type != TaskType.Regression);
        Batcher = new DynamicBatcher($"{Name}:{Version}", forward,
            [.. manifest.Inputs.Select(i => (i.Name, new long[] { i.Channels.Count, i.Length }))],
            [.. manifest.Outputs.Select(o => (o.Name, manifest.OutputColumns))],
            batching, metrics, logger);
        if (gradient is not null)
        {
            // gradient.onnx takes the model inputs plus output_weights and returns the raw output and ∂/∂input.
            GradientBatcher = new DynamicBatcher($"{Name}:{Version}:gradient", gradient,
                [.. manifest.Inputs.Select(i => (i.Name, new long[] { i.Channels.Count, i.Length })),
                    (GradientGraph.OutputWeightsInput, new long[] { manifest.OutputColumns })],
                [(manifest.Outputs[RawOutputIndex].Name, manifest.OutputColumns),
                    .. manifest.Inputs.Select(i => (GradientGraph.GradientOutput(i.Name), i.Channels.Count * i.Length))],
                batching, metrics, logger);
        }
    }

    public string Name { get; }

    public long Version { get; }

    public string Folder { get; }

    public ModelManifest Manifest { get; }

    /// <summary>The manifest exactly as published.</summary>
    public string ManifestJson { get; }

    public OnnxModelSession Forward { get; }

    public OnnxModelSession? Gradient { get; }

    public InputEncoder Encoder { get; }

    /// <summary>The encoder for requests that allow resizing (differs from <see cref="Encoder"/> only for 'exact' models).</summary>
    public InputEncoder ResizingEncoder { get; }

    public DynamicBatcher Batcher { get; }

    /// <summary>Runs gradient.onnx: outputs the raw output, then ∂/∂input per manifest input; null without a gradient graph.</summary>
    public DynamicBatcher? GradientBatcher { get; }

    public IReadOnlyList<OutputColumn> Columns { get; }

    public bool HasClassification { get; }

    /// <summary>Index in <see cref="ModelManifest.Outputs"/> (and in batcher results) of the raw output.</summary>
    public int RawOutputIndex { get; }

    /// <summary>Index of the probability output, or -1 when the graph has none.</summary>
    public int ProbabilityOutputIndex { get; }

    /// <summary>Completes when the version has been unloaded and its sessions disposed.</summary>
    public Task Disposed => _disposed.Task;

    /// <summary>Takes a reference; false once the version is being unloaded.</summary>
    internal bool TryAddReference()
    {
        while (true)
        {
            var seen = Volatile.Read(ref _references);
            if (seen == 0) return false;
            if (Interlocked.CompareExchange(ref _references, seen + 1, seen) == seen) return true;
        }
    }

    internal void Release()
    {
        if (Interlocked.Decrement(ref _references) == 0) _ = DisposeAsync();
    }

    private async Task DisposeAsync()
    {
        try
        {
            Batcher.Close();
            GradientBatcher?.Close();
            await Batcher.Completion.ConfigureAwait(false);
            if (GradientBatcher is not null) await GradientBatcher.Completion.ConfigureAwait(false);
            Forward.Dispose();
            Gradient?.Dispose();
            _logger.LogInformation("model {Model} version {Version}: sessions disposed", Name, Version);
        }
        catch (Exception e)
        {
            _logger.LogError(e, "model {Model} version {Version}: disposing failed", Name, Version);
        }
        finally
        {
            _disposed.TrySetResult();
        }
    }

    private static int IndexOf(ModelManifest manifest, OutputMeaning meaning)
    {
        for (var i = 0; i < manifest.Outputs.Count; i++)
            if (manifest.Outputs[i].Meaning == meaning) return i;
        return -1;
    }
}

/// <summary>A request's hold on a model version: the version stays loaded until every lease is disposed.</summary>
public sealed class ModelLease : IDisposable
{
    private ServedModel? _model;

    internal ModelLease(ServedModel model) => _model = model;

    public ServedModel Model => _model ?? throw new ObjectDisposedException(nameof(ModelLease));

    public void Dispose() => Interlocked.Exchange(ref _model, null)?.Release();
}
