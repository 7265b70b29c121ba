using System.Globalization;
using RbpPipeline.Contracts.Manifests;
using RbpPipeline.Contracts.Storage;

namespace RbpPipeline.Exporter.Repository;

/// <summary>A published version: its folder and manifest.</summary>
public sealed record PublishedVersion(string Model, int Version, string Folder, ModelManifest Manifest);

/// <summary>
/// The model repository in Triton's layout: <c>&lt;root&gt;/&lt;model&gt;/&lt;version&gt;/{model.onnx, gradient.onnx,
/// manifest.json}</c> and <c>&lt;root&gt;/&lt;model&gt;/config.pbtxt</c>. Versions are positive integers and immutable:
/// a version folder is created complete (written in <c>&lt;model&gt;/.tmp-&lt;guid&gt;</c>, every file fsynced, then
/// renamed to the version number and the folder fsynced) and never overwritten. Readers ignore dot-folders, so a
/// publish cut short leaves nothing visible; its temporary folder is removed by a later publish.
/// </summary>
public sealed class ModelRepository
{
    public const string TempPrefix = ".tmp-";
    public const string ConfigFile = "config.pbtxt";

    public ModelRepository(string root)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        Root = Path.GetFullPath(root);
    }

    public string Root { get; }

    /// <summary>How old a temporary folder must be before a publish treats it as left by a crash and deletes it.</summary>
    public TimeSpan StaleTempAge { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Called after the files are written and before the rename (tests simulate a crash here).</summary>
    internal Action<string>? BeforeRename { get; init; }

    public string ModelFolder(string model) => Path.Combine(Root, model);

    public string VersionFolder(string model, int version) => Path.Combine(Root, model, version.ToString(CultureInfo.InvariantCulture));

    /// <summary>The published versions of <paramref name="model"/>, ascending (dot-folders and other names are ignored).</summary>
    public IReadOnlyList<int> Versions(string model)
    {
        var folder = ModelFolder(model);
        if (!Directory.Exists(folder)) return [];
        return [.. Directory.EnumerateDirectories(folder)
            .Select(Path.GetFileName)
            .Where(n => n is { Length: > 0 } && n.All(char.IsAsciiDigit) && n[0] != '0')
            .Select(n => int.TryParse(n, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : 0)
            .Where(v => v >= 1)
            .Order()];
    }

    /// <summary>max(existing) + 1, or 1 for a new model.</summary>
    public int NextVersion(string model) => Versions(model).DefaultIfEmpty(0).Max() + 1;

    public bool Exists(string model, int version) => Directory.Exists(VersionFolder(model, version));

    /// <summary>
    /// Publishes <paramref name="files"/> as version <paramref name="version"/> of <paramref name="model"/>, with the
    /// manifest built by <paramref name="manifest"/> from the files' digests, then (re)writes the model's config.pbtxt.
    /// </summary>
    /// <exception cref="VersionExistsException">The version exists already (also when another publisher took it meanwhile).</exception>
    public PublishedVersion Publish(string model, int version, IReadOnlyList<(string Name, byte[] Bytes)> files,
        Func<IReadOnlyDictionary<string, FileEntry>, ModelManifest> manifest, string? tritonConfig)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(manifest);
        if (version < 1) throw new ArgumentOutOfRangeException(nameof(version), version, "versions start at 1");
        var target = VersionFolder(model, version);
        if (Directory.Exists(target)) throw new VersionExistsException(model, version, target);
        var modelFolder = ModelFolder(model);
        Directory.CreateDirectory(modelFolder);
        CleanStaleTemporaryFolders(model);

        var temp = Path.Combine(modelFolder, $"{TempPrefix}{Guid.NewGuid():N}");
        Directory.CreateDirectory(temp);
        var renamed = false;
        try
        {
            var entries = new Dictionary<string, FileEntry>(StringComparer.Ordinal);
            foreach (var (name, bytes) in files)
            {
                WriteDurably(Path.Combine(temp, name), bytes);
                entries[name] = FileEntry.Of(temp, name);
            }
            var m = manifest(entries);
            if (m.Kind != ManifestKind.Model || m.Version != version || m.Name != model)
                throw new ExportException($"the manifest for {model} version {version} says {m.Kind} '{m.Name}' version {m.Version}");
            WriteDurably(Path.Combine(temp, ModelManifest.FileName), ModelManifestJson.ToUtf8Bytes(m));
            AtomicFile.SyncFolder(temp);
            BeforeRename?.Invoke(temp);
            if (Directory.Exists(target)) throw new VersionExistsException(model, version, target);
            try { Directory.Move(temp, target); }
            catch (IOException) when (Directory.Exists(target)) { throw new VersionExistsException(model, version, target); }
            renamed = true;
            AtomicFile.SyncFolder(modelFolder);
            if (tritonConfig is not null) AtomicFile.WriteAllText(Path.Combine(modelFolder, ConfigFile), tritonConfig);
            return new PublishedVersion(model, version, target, m);
        }
        finally
        {
            if (!renamed) TryDeleteFolder(temp);
        }
    }

    /// <summary>Deletes temporary folders of <paramref name="model"/> older than <see cref="StaleTempAge"/> (left by crashed publishes).</summary>
    public int CleanStaleTemporaryFolders(string model)
    {
        var folder = ModelFolder(model);
        if (!Directory.Exists(folder)) return 0;
        var removed = 0;
        foreach (var dir in Directory.EnumerateDirectories(folder, TempPrefix + "*"))
        {
            if (DateTime.UtcNow - Directory.GetLastWriteTimeUtc(dir) < StaleTempAge) continue;
            if (TryDeleteFolder(dir)) removed++;
        }
        return removed;
    }

    /// <summary>The manifest of a published version (strictly read).</summary>
    public ModelManifest Manifest(string model, int version) =>
        ModelManifestJson.Load(Path.Combine(VersionFolder(model, version), ModelManifest.FileName));

    private static void WriteDurably(string path, byte[] bytes)
    {
        using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None);
        stream.Write(bytes);
        stream.Flush(flushToDisk: true);
    }

    private static bool TryDeleteFolder(string folder)
    {
        try
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
