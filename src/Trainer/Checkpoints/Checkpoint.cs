using System.Reflection;
using System.Text.Json;
using RbpPipeline.Contracts.Manifests;
using RbpPipeline.Contracts.SequenceEncoding;
using RbpPipeline.Contracts.Storage;
using RbpPipeline.Trainer.Networks;
using RbpPipeline.Trainer.Training;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace RbpPipeline.Trainer.Checkpoints;

/// <summary>What a checkpoint says about its network, apart from the weights and the file list.</summary>
public sealed record CheckpointDescription
{
    public required string Name { get; init; }

    public required string Architecture { get; init; }

    /// <summary>Every hyperparameter (defaults merged with overrides), so the network can be rebuilt exactly.</summary>
    public required IReadOnlyDictionary<string, JsonElement> Hyperparameters { get; init; }

    /// <summary>In output order, each with its fitted label transform.</summary>
    public required IReadOnlyList<TaskInfo> Tasks { get; init; }

    public required EncodingSpec Encoding { get; init; }

    public IReadOnlyList<MetricValue> Metrics { get; init; } = [];

    public required string ConfigSha256 { get; init; }

    /// <summary>Data file name → SHA-256.</summary>
    public IReadOnlyDictionary<string, string> DataSha256 { get; init; } = new Dictionary<string, string>();

    public required long Seed { get; init; }

    /// <summary>Written as training.json beside the weights (training options, epoch history, …); null = none.</summary>
    public JsonElement? Training { get; init; }
}

/// <summary>
/// A checkpoint folder: <c>weights.safetensors</c> (the network's state_dict), <c>training.json</c> (how it was
/// trained) and <c>manifest.json</c> (a Contracts <see cref="ModelManifest"/> of kind checkpoint, with the SHA-256 and
/// size of both other files). Every file is written atomically and the manifest last, so a folder whose files do
/// not match its manifest (a write cut short, a file changed by hand) is detected on opening and rejected.
/// </summary>
public sealed class Checkpoint
{
    public const string WeightsFile = "weights.safetensors";
    public const string TrainingFile = "training.json";
    public const string OutputName = "output";

    private Checkpoint(string folder, ModelManifest manifest)
    {
        Folder = folder;
        Manifest = manifest;
    }

    public string Folder { get; }

    public ModelManifest Manifest { get; }

    public string WeightsPath => Path.Combine(Folder, WeightsFile);

    /// <summary>Writes <paramref name="network"/>'s weights and the description to <paramref name="folder"/>.</summary>
    public static Checkpoint Write(string folder, INetwork network, CheckpointDescription description)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(description);
        Directory.CreateDirectory(folder);
        var files = new Dictionary<string, FileEntry>(StringComparer.Ordinal);
        // PyBridge writes the plain state_dict (readable by PyTorch's safetensors); which network it belongs to is
        // the manifest's business. Written to a temporary file and renamed, like every other file here.
        var weights = Path.Combine(folder, WeightsFile);
        try
        {
            using (var stream = File.Create(weights + ".tmp"))
            {
                network.Module.save_safetensors(stream, leaveOpen: true);
                stream.Flush(flushToDisk: true);
            }
            File.Move(weights + ".tmp", weights, overwrite: true);
        }
        finally
        {
            File.Delete(weights + ".tmp");
        }
        files[WeightsFile] = FileEntry.Of(folder, WeightsFile);
        if (description.Training is { } training)
        {
            var options = new JsonSerializerOptions { WriteIndented = true };
            AtomicFile.WriteAllText(Path.Combine(folder, TrainingFile), JsonSerializer.Serialize(training, options) + "\n");
            files[TrainingFile] = FileEntry.Of(folder, TrainingFile);
        }
        else if (File.Exists(Path.Combine(folder, TrainingFile)))
        {
            File.Delete(Path.Combine(folder, TrainingFile));
        }
        var columns = description.Tasks.Sum(t => t.Type == TaskType.Multiclass ? t.Classes?.Count ?? 0 : 1);
        var manifest = new ModelManifest
        {
            Name = description.Name,
            Kind = ManifestKind.Checkpoint,
            Architecture = new ArchitectureInfo { Name = description.Architecture, Hyperparameters = description.Hyperparameters },
            Tasks = description.Tasks,
            Encoding = description.Encoding,
            Inputs = InputInfo.From(description.Encoding),
            Outputs = [new OutputInfo { Name = OutputName, Meaning = OutputMeaning.Raw, Shape = [-1, columns] }],
            Metrics = description.Metrics,
            Provenance = new Provenance
            {
                ConfigSha256 = description.ConfigSha256,
                DataSha256 = description.DataSha256,
                Seed = description.Seed,
                LibraryVersions = LibraryVersions(),
                CreatedUtc = new DateTimeOffset(DateTime.UtcNow.Ticks - DateTime.UtcNow.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero),
            },
            Files = files,
        };
        ModelManifestJson.Save(manifest, Path.Combine(folder, ModelManifest.FileName));
        return new Checkpoint(folder, manifest);
    }

    /// <summary>
    /// Opens a checkpoint folder and verifies it: the manifest must be a valid checkpoint manifest and every file it
    /// lists must exist with the recorded size and SHA-256.
    /// </summary>
    /// <exception cref="CheckpointException">Missing, incomplete, corrupt or not a checkpoint.</exception>
    public static Checkpoint Open(string folder)
    {
        var manifestPath = Path.Combine(folder, ModelManifest.FileName);
        if (!File.Exists(manifestPath))
            throw new CheckpointException(
                $"{folder} is not a complete checkpoint: it has no {ModelManifest.FileName} (the manifest is written last, so training may have been interrupted before the checkpoint was finished)",
                manifestPath);
        ModelManifest manifest;
        try { manifest = ModelManifestJson.Load(manifestPath); }
        catch (ManifestException e) { throw new CheckpointException($"checkpoint {folder}: {e.Message}", manifestPath, e); }
        if (manifest.Kind != ManifestKind.Checkpoint)
            throw new CheckpointException($"{manifestPath} describes a published model (kind 'model'), not a checkpoint", manifestPath);
        if (!manifest.Files.ContainsKey(WeightsFile))
            throw new CheckpointException($"checkpoint {folder}: the manifest lists no {WeightsFile}", manifestPath);
        foreach (var (relative, entry) in manifest.Files)
        {
            var path = Path.Combine(folder, relative);
            if (!File.Exists(path))
                throw new CheckpointException($"checkpoint {folder} is incomplete: {relative} is missing", path);
            var size = new FileInfo(path).Length;
            if (size != entry.Size)
                throw new CheckpointException($"checkpoint {folder} is corrupt: {relative} has {size} bytes, the manifest records {entry.Size}", path);
            var digest = Sha256.OfFile(path);
            if (digest != entry.Sha256)
                throw new CheckpointException($"checkpoint {folder} is corrupt: {relative} has SHA-256 {digest}, the manifest records {entry.Sha256}", path);
        }
        return new Checkpoint(folder, manifest);
    }

    /// <summary>The network shape the manifest describes: its inputs and output columns.</summary>
    public NetworkShape Shape => new([.. Manifest.Inputs.Select(i => new NetworkInput(i.Name, i.Channels.Count, i.Length))], Manifest.OutputColumns);

    /// <summary>Rebuilds the network with the recorded hyperparameters and loads the weights (strictly: every name must match).</summary>
    public INetwork CreateNetwork(IArchitecture architecture)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        if (architecture.Name != Manifest.Architecture.Name)
            throw new CheckpointException($"checkpoint {Folder} holds a '{Manifest.Architecture.Name}' network, not '{architecture.Name}'", Folder);
        return Build(architecture, Shape, tensors => tensors);
    }

    /// <summary>
    /// One task of a multi-head checkpoint as a single-output network: the shared trunk with that task's head only
    /// (its weights moved to head 0), e.g. one experiment's model out of a multi-task model trained on a whole folder.
    /// </summary>
    /// <exception cref="CheckpointException">The checkpoint is not a multi-head network or has no such task.</exception>
    public INetwork CreateHead(IArchitecture architecture, string task)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        if (architecture.Name != Manifest.Architecture.Name || architecture.Key != Networks.ArchitectureKey.MultiHead)
            throw new CheckpointException($"checkpoint {Folder} holds a '{Manifest.Architecture.Name}' network; only a multihead network has a head per task", Folder);
        var index = Manifest.Tasks.ToList().FindIndex(t => t.Name == task);
        if (index < 0)
            throw new CheckpointException($"checkpoint {Folder} has no task '{task}' (tasks: {string.Join(", ", Manifest.Tasks.Select(t => t.Name))})", Folder);
        var head = $"heads.{index}.";
        return Build(architecture, Shape with { Tasks = 1 }, tensors =>
        {
            var kept = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            foreach (var (name, t) in tensors)
                if (!name.StartsWith("heads.", StringComparison.Ordinal)) kept[name] = t;
                else if (name.StartsWith(head, StringComparison.Ordinal)) kept["heads.0." + name[head.Length..]] = t;
            return kept;
        });
    }

    // Builds the network for a shape and loads the weights file, as selected and renamed by select (its tensors are
    // views of the file's, all freed here).
    private INetwork Build(IArchitecture architecture, NetworkShape shape, Func<Dictionary<string, Tensor>, Dictionary<string, Tensor>> select)
    {
        // Building draws initial weights (overwritten below) from the global generator: not while a seeded run draws.
        var network = GlobalGenerator.Exclusive(() => architecture.Create(shape, Manifest.Architecture.Hyperparameters));
        try
        {
            Dictionary<string, Tensor> tensors;
            try { tensors = TorchSharp.PyBridge.Safetensors.LoadStateDict(WeightsPath); }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                throw new CheckpointException($"checkpoint {Folder}: {WeightsFile} is not a readable safetensors file ({e.Message})", WeightsPath, e);
            }
            try { LoadStrict(network.Module, select(tensors)); }
            finally { foreach (var t in tensors.Values) t.Dispose(); }
            network.Module.eval();
            return network;
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    // Every name must be present on both sides with the same shape and dtype; anything else is named in the error.
    private void LoadStrict(nn.Module module, Dictionary<string, Tensor> tensors)
    {
        var own = module.state_dict();
        var missing = own.Keys.Where(k => !tensors.ContainsKey(k)).ToList();
        var unexpected = tensors.Keys.Where(k => !own.ContainsKey(k)).ToList();
        var misshapen = own.Where(p => tensors.TryGetValue(p.Key, out var t) && !t.shape.SequenceEqual(p.Value.shape))
            .Select(p => $"{p.Key} [{string.Join(", ", tensors[p.Key].shape)}] where the network has [{string.Join(", ", p.Value.shape)}]").ToList();
        if (missing.Count + unexpected.Count + misshapen.Count > 0)
            throw new CheckpointException($"checkpoint {Folder}: the weights do not fit the network (" + string.Join("; ", new[]
            {
                missing.Count > 0 ? "missing: " + string.Join(", ", missing) : null,
                unexpected.Count > 0 ? "unexpected: " + string.Join(", ", unexpected) : null,
                misshapen.Count > 0 ? "shape: " + string.Join(", ", misshapen) : null,
            }.Where(s => s is not null)) + ")", WeightsPath);
        module.load_state_dict(tensors, strict: true);
    }

    /// <summary>The versions that produced a checkpoint (for the manifest's provenance).</summary>
    public static IReadOnlyDictionary<string, string> LibraryVersions()
    {
        var versions = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["dotnet"] = Environment.Version.ToString(),
            ["rbp-trainer"] = typeof(Checkpoint).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
                              ?? typeof(Checkpoint).Assembly.GetName().Version?.ToString() ?? "unknown",
        };
        versions["torchsharp"] = typeof(torch).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
                                 ?? typeof(torch).Assembly.GetName().Version?.ToString() ?? "unknown";
        try { versions["libtorch"] = __version__; }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { versions["libtorch"] = "unavailable"; }
        return versions;
    }
}
