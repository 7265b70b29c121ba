using System.Globalization;
using System.Reflection;
using System.Text.Json;
using RbpPipeline.Contracts.Json;
using RbpPipeline.Contracts.Manifests;
using RbpPipeline.Exporter.Graphs;
using RbpPipeline.Exporter.Parity;
using RbpPipeline.Exporter.Repository;
using RbpPipeline.Onnx.Format;
using RbpPipeline.Trainer.Checkpoints;
using RbpPipeline.Trainer.Networks;

namespace RbpPipeline.Exporter;

/// <summary>How to export and publish a checkpoint.</summary>
public sealed record ExportOptions
{
    /// <summary>The model repository (Triton layout).</summary>
    public string Repository { get; init; } = "models";

    /// <summary>The published model's name; null = the checkpoint's name.</summary>
    public string? Name { get; init; }

    /// <summary>The version to publish; null = the repository's next (max + 1). An existing version is an error.</summary>
    public int? Version { get; init; }

    /// <summary>Space of the gradient for classification tasks; regression tasks are always differentiated raw.</summary>
    public GradientSpace GradientOf { get; init; } = GradientSpace.Logit;

    public ParityTolerance Tolerance { get; init; } = ParityTolerance.Default;

    /// <summary>Parity inputs: synthetic CLIP-like sequences, then uniformly random ones (both encoded with the model's spec).</summary>
    public int SyntheticInputs { get; init; } = 16;

    public int RandomInputs { get; init; } = 16;

    public ulong Seed { get; init; } = 1;

    /// <summary>Triton's max_batch_size in config.pbtxt.</summary>
    public int MaxBatchSize { get; init; } = 1024;

    /// <summary>Fixes the manifest's createdUtc (tests); null = now.</summary>
    public DateTimeOffset? CreatedUtc { get; init; }

    /// <summary>false: build and verify the graphs but publish nothing (the export stage's dry run).</summary>
    public bool Publish { get; init; } = true;

    /// <summary>Progress lines; null = silent.</summary>
    public TextWriter? Log { get; init; }

    /// <summary>Test hook: the weights actually written to ONNX (the gate still compares with the checkpoint's network).</summary>
    internal Func<WeightSet, WeightSet>? TransformWeights { get; init; }

    /// <summary>Test hook: the graphs as serialized, before the gate reads them.</summary>
    internal Func<OnnxGraphs, OnnxGraphs>? TransformGraphs { get; init; }

    /// <summary>Test hook passed to <see cref="ModelRepository.BeforeRename"/>.</summary>
    internal Action<string>? BeforeRename { get; init; }
}

/// <summary>What an export produced: the version (when published), its manifest, the parity measurements and the graphs.</summary>
public sealed record ExportResult(string Name, int Version, string? Folder, ModelManifest Manifest, ParityOutcome Parity, OnnxGraphs Graphs)
{
    public bool Published => Folder is not null;
}

/// <summary>
/// Checkpoint → model.onnx + gradient.onnx → parity gate → model repository. The network is rebuilt from the
/// checkpoint's architecture and hyperparameters through the Trainer (the same graph IR the Trainer trained), its
/// weights are frozen into ONNX, and both graphs are compared with libtorch before anything is published.
/// </summary>
public static class ModelExporter
{
    public const string ModelFile = "model.onnx";
    public const string GradientFile = "gradient.onnx";

    /// <summary>Runs <see cref="Export"/> on a worker thread (libtorch's grad mode is per thread; it all happens on one).</summary>
    public static Task<ExportResult> ExportAsync(string checkpointDir, ExportOptions? options = null, CancellationToken cancellationToken = default) =>
        Task.Run(() => Export(checkpointDir, options ?? new ExportOptions(), cancellationToken), cancellationToken);

    /// <exception cref="CheckpointException">The checkpoint is missing, incomplete or corrupt.</exception>
    /// <exception cref="ExportException">A layer cannot be exported (named), or the version exists.</exception>
    /// <exception cref="ParityException">The graphs do not reproduce libtorch within the tolerance; nothing was published.</exception>
    public static ExportResult Export(string checkpointDir, ExportOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var checkpoint = Checkpoint.Open(checkpointDir);
        var source = checkpoint.Manifest;
        var name = options.Name ?? source.Name;
        var repository = new ModelRepository(options.Repository) { BeforeRename = options.BeforeRename };
        var version = options.Version ?? repository.NextVersion(name);
        if (options.Publish && repository.Exists(name, version))
            throw new VersionExistsException(name, version, repository.VersionFolder(name, version));

        IArchitecture architecture;
        try { architecture = Architectures.Get(source.Architecture.Name); }
        catch (ArgumentException e) { throw new ExportException($"checkpoint {checkpointDir}: {e.Message}", e); }
        using var network = checkpoint.CreateNetwork(architecture);
        CheckInputs(network.Graph, source);
        cancellationToken.ThrowIfCancellationRequested();

        var weights = WeightSet.FromModule(network.Module);
        if (options.TransformWeights is { } tamper) weights = tamper(weights);
        var checkpointSha = source.Files[Checkpoint.WeightsFile].Sha256;
        var spec = new OnnxExportSpec
        {
            Tasks = source.Tasks,
            GradientOf = options.GradientOf,
            ProducerVersion = ExporterVersion,
            Metadata = Metadata(name, version, source, OnnxExport.GradientTarget(source.Tasks, options.GradientOf), checkpointSha),
            // Multi-task models name each task's output too (rbp.task_outputs says which is which).
            TaskOutputs = source.Tasks.Count > 1,
        };
        var graphs = OnnxExport.Build(network.Graph, weights, spec);
        if (options.TransformGraphs is { } transform) graphs = transform(graphs);
        options.Log?.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"exported {name} ({source.Architecture.Name}): model.onnx {graphs.ModelNodes} nodes ({graphs.Model.Length:N0} bytes), gradient.onnx {graphs.GradientNodes} nodes ({graphs.Gradient.Length:N0} bytes), {graphs.FoldedBatchNorms} BatchNorm folded"));
        cancellationToken.ThrowIfCancellationRequested();

        var batch = ParityBatch.FromEncoding(source.Encoding, source.OutputColumns, options.SyntheticInputs, options.RandomInputs, options.Seed);
        var parity = ParityGate.Measure(network, graphs, source.Tasks, batch, options.Tolerance);
        options.Log?.WriteLine(parity.Describe());
        ParityGate.Enforce(name, parity);
        cancellationToken.ThrowIfCancellationRequested();

        ModelManifest BuildManifest(IReadOnlyDictionary<string, FileEntry> files) => new()
        {
            Name = name,
            Version = version,
            Kind = ManifestKind.Model,
            Architecture = source.Architecture,
            Tasks = source.Tasks,
            Encoding = source.Encoding,
            Inputs = source.Inputs,
            Outputs = graphs.Outputs,
            Gradient = graphs.GradientTarget,
            Metrics = source.Metrics,
            Parity = parity.ToManifest(),
            Provenance = new Provenance
            {
                CheckpointSha256 = checkpointSha,
                ConfigSha256 = source.Provenance.ConfigSha256,
                DataSha256 = source.Provenance.DataSha256,
                Seed = source.Provenance.Seed,
                LibraryVersions = LibraryVersions(source),
                CreatedUtc = options.CreatedUtc ?? Now(),
            },
            Files = files,
        };

        if (!options.Publish)
        {
            var files = new Dictionary<string, FileEntry>(StringComparer.Ordinal)
            {
                [ModelFile] = Entry(graphs.Model),
                [GradientFile] = Entry(graphs.Gradient),
            };
            return new ExportResult(name, version, null, BuildManifest(files), parity, graphs);
        }
        var published = repository.Publish(name, version, [(ModelFile, graphs.Model), (GradientFile, graphs.Gradient)], BuildManifest,
            null);
        var config = TritonConfig.Render(published.Manifest, options.MaxBatchSize);
        Contracts.Storage.AtomicFile.WriteAllText(Path.Combine(repository.ModelFolder(name), ModelRepository.ConfigFile), config);
        options.Log?.WriteLine($"published {name} version {version} to {published.Folder}");
        return new ExportResult(name, version, published.Folder, published.Manifest, parity, graphs);
    }

    /// <summary>The exporter's version string (assembly informational version).</summary>
    public static string ExporterVersion { get; } =
        typeof(ModelExporter).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion?.Split('+')[0] ?? "0";

    /// <summary>The metadata_props both graphs carry (JSON values in the Contracts dialect, compact).</summary>
    public static IReadOnlyDictionary<string, string> Metadata(string name, int version, ModelManifest source, GradientInfo gradient, string checkpointSha) =>
        new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["rbp.model_name"] = name,
            ["rbp.model_version"] = version.ToString(CultureInfo.InvariantCulture),
            ["rbp.architecture"] = source.Architecture.Name,
            ["rbp.tasks"] = Json(source.Tasks.Select(t => Compact(ContractsJson.Serialize(t)))),
            ["rbp.encoding"] = Compact(ContractsJson.Serialize(source.Encoding)),
            ["rbp.label_transform"] = JsonSerializer.Serialize(source.Tasks.ToDictionary(
                t => t.Name, t => JsonDocument.Parse(ContractsJson.Serialize(t.LabelTransform)).RootElement, StringComparer.Ordinal)),
            ["rbp.gradient_target"] = Compact(ContractsJson.Serialize(gradient)),
            ["rbp.checkpoint_sha256"] = checkpointSha,
            ["rbp.schema_version"] = ModelManifest.CurrentSchemaVersion.ToString(CultureInfo.InvariantCulture),
        }.With(source.Tasks.Count > 1, "rbp.task_outputs",
            () => JsonSerializer.Serialize(source.Tasks.ToDictionary(t => t.Name, t => OnnxExport.TaskOutput(t.Name), StringComparer.Ordinal)));

    private static Dictionary<string, string> With(this Dictionary<string, string> metadata, bool condition, string key, Func<string> value)
    {
        if (condition) metadata[key] = value();
        return metadata;
    }

    private static string Json(IEnumerable<string> elements) => "[" + string.Join(",", elements) + "]";

    private static string Compact(byte[] json) => JsonSerializer.Serialize(JsonDocument.Parse(json).RootElement);

    private static FileEntry Entry(byte[] bytes) => new()
    {
        Sha256 = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)),
        Size = bytes.Length,
    };

    private static DateTimeOffset Now()
    {
        var ticks = DateTime.UtcNow.Ticks;
        return new DateTimeOffset(ticks - ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero);
    }

    private static IReadOnlyDictionary<string, string> LibraryVersions(ModelManifest source)
    {
        var versions = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in source.Provenance.LibraryVersions) versions[k] = v;
        versions["rbp-exporter"] = ExporterVersion;
        versions["onnx-opset"] = OnnxGraphBuilder.Opset.ToString(CultureInfo.InvariantCulture);
        versions["onnx-ir"] = OnnxGraphBuilder.IrVersion.ToString(CultureInfo.InvariantCulture);
        versions["onnxruntime"] = OnnxRuntimeVersion();
        return versions;
    }

    private static string OnnxRuntimeVersion()
    {
        try { return Microsoft.ML.OnnxRuntime.OrtEnv.Instance().GetVersionString(); }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or TypeInitializationException) { return "unavailable"; }
    }

    /// <summary>The graph the checkpoint rebuilds must take exactly the manifest's inputs (names, channels, lengths) in order.</summary>
    private static void CheckInputs(NetworkGraph graph, ModelManifest manifest)
    {
        var graphInputs = graph.Inputs.Select(i => $"{i.InputName} {i.Channels}×{i.Length}").ToList();
        var manifestInputs = manifest.Inputs.Select(i => $"{i.Name} {i.Channels.Count}×{i.Length}").ToList();
        if (!graphInputs.SequenceEqual(manifestInputs))
            throw new ExportException($"the network's inputs ({string.Join(", ", graphInputs)}) differ from the manifest's ({string.Join(", ", manifestInputs)})");
        if (manifest.Encoding.InputTensors().Count != graph.Inputs.Count)
            throw new ExportException("the encoding does not produce one tensor per network input");
    }
}
