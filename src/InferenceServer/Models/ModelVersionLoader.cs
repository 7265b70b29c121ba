using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using RbpPipeline.Contracts.Manifests;
using RbpPipeline.InferenceServer.Batching;
using RbpPipeline.InferenceServer.Execution;
using RbpPipeline.InferenceServer.Observability;

namespace RbpPipeline.InferenceServer.Models;

/// <summary>What became of an attempt to load one version folder.</summary>
public enum LoadOutcome
{
    Loaded,
    /// <summary>Not complete yet (no manifest, or a listed file missing or still short): ignored until it is.</summary>
    Incomplete,
    /// <summary>Corrupt, tampered or unloadable: refused with a reason until its files change.</summary>
    Refused,
}

public sealed record LoadResult(LoadOutcome Outcome, string Reason, ServedModel? Model = null);

/// <summary>
/// Verifies and loads one version folder of the repository: the manifest must read (strictly, through
/// <see cref="ModelManifestJson"/>), describe a published model of this name and version, list <c>model.onnx</c>,
/// and every listed file must match its size and SHA-256. The ONNX files are hashed from the very bytes handed
/// to ONNX Runtime, so a file swapped after the check is never loaded.
/// </summary>
public sealed class ModelVersionLoader(OnnxSessionFactory sessions, BatcherSettings batching, ServerMetrics metrics, ILogger logger)
{
    public const string ModelFile = "model.onnx";
    public const string GradientFile = "gradient.onnx";

    public LoadResult Load(string folder, string modelName, long version)
    {
        var manifestPath = Path.Combine(folder, ModelManifest.FileName);
        if (!File.Exists(manifestPath)) return new(LoadOutcome.Incomplete, $"no {ModelManifest.FileName} yet");

        byte[] manifestBytes;
        ModelManifest manifest;
        try
        {
            manifestBytes = File.ReadAllBytes(manifestPath);
            manifest = ModelManifestJson.Parse(manifestBytes, manifestPath);
        }
        catch (ManifestException e)
        {
            return Refuse($"unreadable manifest: {e.Message}");
        }
        catch (IOException e)
        {
            return new(LoadOutcome.Incomplete, $"manifest could not be read yet: {e.Message}");
        }

        if (manifest.Kind != ManifestKind.Model) return Refuse($"the manifest is a {manifest.Kind.ToString().ToLowerInvariant()}, not a published model");
        if (manifest.Name != modelName) return Refuse($"the manifest names model '{manifest.Name}' but the folder is '{modelName}'");
        if (manifest.Version != version) return Refuse($"the manifest says version {manifest.Version} but the folder is {version}");
        if (!manifest.Files.ContainsKey(ModelFile)) return Refuse($"the manifest does not list {ModelFile}, so it cannot be verified");
        if (manifest.Outputs.All(o => o.Meaning != OutputMeaning.Raw)) return Refuse("the manifest declares no raw output");

        // Sizes first: a missing or short file is a copy still in progress, not tampering.
        foreach (var (relative, entry) in manifest.Files)
        {
            var path = Path.Combine(folder, relative);
            var info = new FileInfo(path);
            if (!info.Exists) return new(LoadOutcome.Incomplete, $"waiting for {relative}");
            if (info.Length < entry.Size) return new(LoadOutcome.Incomplete, $"{relative} is still being written ({info.Length} of {entry.Size} bytes)");
            if (info.Length > entry.Size) return Refuse($"{relative} has {info.Length} bytes; the manifest says {entry.Size}");
        }

        byte[]? model = null, gradient = null;
        foreach (var (relative, entry) in manifest.Files)
        {
            var path = Path.Combine(folder, relative);
            string digest;
            try
            {
                if (relative is ModelFile or GradientFile)
                {
                    var bytes = File.ReadAllBytes(path);
                    digest = Convert.ToHexStringLower(SHA256.HashData(bytes));
                    if (relative == ModelFile) model = bytes; else gradient = bytes;
                }
                else
                {
                    digest = Contracts.Storage.Sha256.OfFile(path);
                }
            }
            catch (IOException e)
            {
                return new(LoadOutcome.Incomplete, $"{relative} could not be read: {e.Message}");
            }
            if (digest != entry.Sha256)
                return Refuse($"{relative} has SHA-256 {digest}; the manifest says {entry.Sha256} (corrupt or tampered)");
        }

        OnnxModelSession? forward = null, backward = null;
        try
        {
            forward = sessions.Create(model!);
            if (CheckSignature(forward, manifest) is { } mismatch)
            {
                forward.Dispose();
                return Refuse($"{ModelFile} does not match its manifest: {mismatch}");
            }
            if (gradient is not null)
            {
                backward = sessions.Create(gradient);
                if (CheckGradientSignature(backward, manifest) is { } gradientMismatch)
                {
                    forward.Dispose();
                    backward.Dispose();
                    return Refuse($"{GradientFile} does not match its manifest: {gradientMismatch}");
                }
            }
            var served = new ServedModel(folder, manifest, Encoding.UTF8.GetString(manifestBytes), forward, backward, batching, metrics, logger);
            return new(LoadOutcome.Loaded, $"loaded on {forward.Provider.Provider}", served);
        }
        catch (Exception e) when (e is OnnxRuntimeException or ArgumentException or InvalidOperationException)
        {
            forward?.Dispose();
            backward?.Dispose();
            return Refuse($"ONNX Runtime could not load it: {e.Message}");
        }
    }

    /// <summary>gradient.onnx takes every manifest input plus the output weights and returns the raw output and each input's gradient.</summary>
    private static string? CheckGradientSignature(OnnxModelSession session, ModelManifest manifest)
    {
        foreach (var name in manifest.Inputs.Select(i => i.Name).Append(GradientGraph.OutputWeightsInput))
            if (!session.InputShapes.ContainsKey(name)) return $"the graph has no input '{name}' (it has {string.Join(", ", session.InputNames)})";
        var raw = manifest.Outputs.First(o => o.Meaning == OutputMeaning.Raw).Name;
        foreach (var name in manifest.Inputs.Select(i => GradientGraph.GradientOutput(i.Name)).Prepend(raw))
            if (!session.OutputShapes.ContainsKey(name)) return $"the graph has no output '{name}' (it has {string.Join(", ", session.OutputNames)})";
        return null;
    }

    private static LoadResult Refuse(string reason) => new(LoadOutcome.Refused, reason);

    /// <summary>Every manifest input and output exists in the graph as float32 with the manifest's dimensions.</summary>
    private static string? CheckSignature(OnnxModelSession session, ModelManifest manifest)
    {
        foreach (var input in manifest.Inputs)
        {
            if (!session.InputShapes.TryGetValue(input.Name, out var dims)) return $"the graph has no input '{input.Name}' (it has {string.Join(", ", session.InputNames)})";
            if (session.InputTypes[input.Name] != TensorElementType.Float) return $"input '{input.Name}' is {session.InputTypes[input.Name]}, not float32";
            if (dims.Count != 3 || dims[0] > 0 || dims[1] != input.Channels.Count || dims[2] != input.Length)
                return $"input '{input.Name}' is [{string.Join(", ", dims)}]; the manifest says [batch, {input.Channels.Count}, {input.Length}]";
        }
        if (session.InputNames.Count != manifest.Inputs.Count)
            return $"the graph has inputs {string.Join(", ", session.InputNames)}; the manifest lists {string.Join(", ", manifest.Inputs.Select(i => i.Name))}";
        foreach (var output in manifest.Outputs)
        {
            if (!session.OutputShapes.TryGetValue(output.Name, out var dims)) return $"the graph has no output '{output.Name}' (it has {string.Join(", ", session.OutputNames)})";
            if (session.OutputTypes[output.Name] != TensorElementType.Float) return $"output '{output.Name}' is {session.OutputTypes[output.Name]}, not float32";
            if (dims.Count != 2 || (dims[1] > 0 && dims[1] != manifest.OutputColumns))
                return $"output '{output.Name}' is [{string.Join(", ", dims)}]; the manifest says [batch, {manifest.OutputColumns}]";
        }
        return null;
    }
}
