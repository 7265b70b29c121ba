using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using RbpPipeline.Contracts.Manifests;
using RbpPipeline.InferenceServer.Batching;
using RbpPipeline.InferenceServer.Execution;
using RbpPipeline.InferenceServer.Hosting;
using RbpPipeline.InferenceServer.Observability;

namespace RbpPipeline.InferenceServer.Models;

/// <summary>A model or version the repository does not serve.</summary>
public sealed class ModelNotFoundException(string message) : Exception(message);

/// <summary>
/// The model repository (<c>&lt;repo&gt;/&lt;model&gt;/&lt;version&gt;/</c>, Triton's layout). Loaded at start, then kept
/// in step with the folder by a file-system watcher plus a periodic rescan. The set of served versions is an
/// immutable snapshot swapped atomically: a request leases the version it resolved, so it finishes on that
/// version's session even if a newer version appears or the folder is removed meanwhile; an unloaded version's
/// sessions are disposed when its last lease ends. Folders that fail verification are refused with a logged
/// reason (and not retried until their files change); the other models keep serving.
/// </summary>
public sealed class ModelRepository : IAsyncDisposable
{
    private readonly ServingOptions _options;
    private readonly ServerMetrics _metrics;
    private readonly ILogger _logger;
    private readonly ModelVersionLoader _loader;
    private readonly SemaphoreSlim _scanGate = new(1, 1);
    private readonly Channel<bool> _changes = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly Dictionary<(string, long), string> _refused = [];
    private readonly Dictionary<(string, long), string> _waiting = [];
    private readonly CancellationTokenSource _stopping = new();
    private FileSystemWatcher? _watcher;
    private Task _watchLoop = Task.CompletedTask;
    private volatile Snapshot _snapshot = Snapshot.Empty;
    private bool _disposed;

    public ModelRepository(ServingOptions options, OnnxSessionFactory sessions, ServerMetrics metrics, ILogger<ModelRepository> logger)
    {
        _options = options;
        _metrics = metrics;
        _logger = logger;
        Root = Path.GetFullPath(options.RepositoryPath);
        _loader = new ModelVersionLoader(sessions,
            new BatcherSettings(options.MaxBatchSize, options.MaxQueueDelay, options.ExecutionWorkers), metrics, logger);
    }

    public string Root { get; }

    /// <summary>True once the first scan has finished.</summary>
    public bool IsReady { get; private set; }

    /// <summary>Increases whenever the set of served versions changes.</summary>
    public long Generation => _snapshot.Generation;

    /// <summary>
    /// Raised after the served set changed (and once after the first scan), with the names of the models that have at
    /// least one version served now; the health service turns it into per-model serving statuses.
    /// </summary>
    public event Action<IReadOnlyCollection<string>>? ServedModelsChanged;

    /// <summary>Every served version, by model name (ordinal) then version (ascending).</summary>
    public IReadOnlyList<ServedModel> Versions => [.. _snapshot.Models.Values.SelectMany(v => v.Values)];

    /// <summary>The versions of one model, ascending; empty when the model is not served.</summary>
    public IReadOnlyList<ServedModel> VersionsOf(string name) =>
        _snapshot.Models.TryGetValue(name, out var versions) ? [.. versions.Values] : [];

    /// <summary>Scans the repository once, then starts watching it.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (!Directory.Exists(Root))
            _logger.LogWarning("model repository {Root} does not exist; serving no models until it does", Root);
        await ScanAsync(cancellationToken).ConfigureAwait(false);
        IsReady = true;
        ServedModelsChanged?.Invoke([.. _snapshot.Models.Keys]);
        _logger.LogInformation("model repository {Root}: {Count} version(s) loaded", Root, _snapshot.Count);
        if (_options.WatchRepository)
        {
            StartWatcher();
            _watchLoop = Task.Run(() => WatchLoopAsync(_stopping.Token));
        }
    }

    /// <summary>Leases a version (0 = the latest); throws <see cref="ModelNotFoundException"/> for unknown models or versions.</summary>
    public ModelLease Acquire(string name, long version)
    {
        for (var attempt = 0; ; attempt++)
        {
            var snapshot = _snapshot;
            if (!snapshot.Models.TryGetValue(name, out var versions) || versions.IsEmpty)
                throw new ModelNotFoundException($"model '{name}' is not served (models: {Describe(snapshot)})");
            ServedModel? model;
            if (version == 0) model = versions.Values.Last();
            else if (!versions.TryGetValue(version, out model))
                throw new ModelNotFoundException($"model '{name}' has no version {version} (versions: {string.Join(", ", versions.Keys)})");
            if (model.TryAddReference()) return new ModelLease(model);
            // Unloaded between reading the snapshot and leasing: the next snapshot no longer has it.
            if (attempt > 100) throw new ModelNotFoundException($"model '{name}' is being unloaded");
            Thread.Yield();
        }
    }

    /// <summary>Brings the served set in line with the folder: loads new complete versions, unloads removed ones.</summary>
    public async Task ScanAsync(CancellationToken cancellationToken = default)
    {
        await _scanGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_disposed) return;
            var onDisk = FindVersionFolders();
            var current = _snapshot;
            var added = new List<ServedModel>();
            foreach (var ((name, version), folder) in onDisk)
            {
                if (current.Contains(name, version)) continue;
                var fingerprint = Fingerprint(folder);
                if (_refused.TryGetValue((name, version), out var refusedPrint) && refusedPrint == fingerprint) continue;
                var result = await Task.Run(() => _loader.Load(folder, name, version), cancellationToken).ConfigureAwait(false);
                switch (result.Outcome)
                {
                    case LoadOutcome.Loaded:
                        _refused.Remove((name, version));
                        _waiting.Remove((name, version));
                        added.Add(result.Model!);
                        _metrics.RecordModelEvent(name, version, "loaded");
                        _logger.LogInformation("model {Model} version {Version}: {Reason}", name, version, result.Reason);
                        break;
                    case LoadOutcome.Refused:
                        _refused[(name, version)] = fingerprint;
                        _waiting.Remove((name, version));
                        _metrics.RecordModelEvent(name, version, "refused");
                        _logger.LogWarning("model {Model} version {Version} refused: {Reason}", name, version, result.Reason);
                        break;
                    default:
                        if (!_waiting.TryGetValue((name, version), out var seen) || seen != result.Reason)
                            _logger.LogInformation("model {Model} version {Version} ignored until complete: {Reason}", name, version, result.Reason);
                        _waiting[(name, version)] = result.Reason;
                        break;
                }
            }
            var removed = current.All.Where(m => !onDisk.ContainsKey((m.Name, m.Version))).ToList();
            foreach (var key in _refused.Keys.Where(k => !onDisk.ContainsKey(k)).ToList()) _refused.Remove(key);
            foreach (var key in _waiting.Keys.Where(k => !onDisk.ContainsKey(k)).ToList()) _waiting.Remove(key);
            if (added.Count == 0 && removed.Count == 0) return;

            var next = current.With(added, removed);
            _snapshot = next; // the atomic swap: new requests see the new set from here on
            _metrics.SetLoadedVersions(next.Count);
            if (IsReady) ServedModelsChanged?.Invoke([.. next.Models.Where(m => !m.Value.IsEmpty).Select(m => m.Key)]);
            foreach (var model in removed)
            {
                _metrics.RecordModelEvent(model.Name, model.Version, "unloaded");
                _logger.LogInformation("model {Model} version {Version} unloaded (its folder is gone); in-flight requests finish on it", model.Name, model.Version);
                model.Release();
            }
        }
        finally
        {
            _scanGate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _stopping.Cancel();
        _watcher?.Dispose();
        try { await _watchLoop.ConfigureAwait(false); } catch (OperationCanceledException) { }
        await _scanGate.WaitAsync().ConfigureAwait(false);
        List<ServedModel> all;
        try
        {
            _disposed = true;
            all = [.. _snapshot.All];
            _snapshot = Snapshot.Empty with { Generation = _snapshot.Generation + 1 };
        }
        finally
        {
            _scanGate.Release();
        }
        foreach (var model in all) model.Release();
        await Task.WhenAll(all.Select(m => m.Disposed)).WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
    }

    private Dictionary<(string, long), string> FindVersionFolders()
    {
        var found = new Dictionary<(string, long), string>();
        if (!Directory.Exists(Root)) return found;
        try
        {
            foreach (var modelDir in Directory.EnumerateDirectories(Root))
            {
                var name = Path.GetFileName(modelDir);
                if (name.StartsWith('.')) continue;
                foreach (var versionDir in Directory.EnumerateDirectories(modelDir))
                {
                    var text = Path.GetFileName(versionDir);
                    if (text.Length == 0 || !text.All(char.IsAsciiDigit)) continue; // temporary folders, e.g. ".3.tmp"
                    if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var version) && version >= 1)
                        found[(name, version)] = versionDir;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _logger.LogWarning("model repository {Root} could not be listed completely: {Error}", Root, e.Message);
        }
        return found;
    }

    /// <summary>Names, sizes and write times of a version folder's files: a refused folder is retried when this changes.</summary>
    private static string Fingerprint(string folder)
    {
        var text = new StringBuilder();
        try
        {
            foreach (var file in new DirectoryInfo(folder).EnumerateFiles("*", SearchOption.AllDirectories).OrderBy(f => f.FullName, StringComparer.Ordinal))
                text.Append(file.FullName).Append('|').Append(file.Length).Append('|').Append(file.LastWriteTimeUtc.Ticks).Append('\n');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            text.Append("unlistable:").Append(e.Message);
        }
        return text.ToString();
    }

    private void StartWatcher()
    {
        if (!Directory.Exists(Root)) return; // the periodic rescan picks the folder up when it appears
        try
        {
            var watcher = new FileSystemWatcher(Root)
            {
                IncludeSubdirectories = true,
                NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size,
                InternalBufferSize = 64 * 1024,
            };
            watcher.Created += (_, _) => Signal();
            watcher.Changed += (_, _) => Signal();
            watcher.Deleted += (_, _) => Signal();
            watcher.Renamed += (_, _) => Signal();
            watcher.Error += (_, e) =>
            {
                _logger.LogWarning("model repository watcher: {Error}; rescanning", e.GetException().Message);
                Signal();
            };
            watcher.EnableRaisingEvents = true;
            _watcher = watcher;
        }
        catch (Exception e) when (e is IOException or ArgumentException or PlatformNotSupportedException)
        {
            _logger.LogWarning("model repository {Root} cannot be watched ({Error}); relying on the periodic rescan", Root, e.Message);
        }
    }

    private void Signal() => _changes.Writer.TryWrite(true);

    private async Task WatchLoopAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            using (var wait = CancellationTokenSource.CreateLinkedTokenSource(stopping))
            {
                wait.CancelAfter(_options.RescanInterval);
                try
                {
                    await _changes.Reader.ReadAsync(wait.Token).ConfigureAwait(false);
                    // Coalesce the burst of events a copy produces.
                    do await Task.Delay(_options.WatchDebounce, stopping).ConfigureAwait(false);
                    while (_changes.Reader.TryRead(out _));
                }
                catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
                {
                    // periodic rescan
                }
            }
            if (_watcher is null && Directory.Exists(Root)) StartWatcher();
            try
            {
                await ScanAsync(stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                _logger.LogError(e, "model repository scan failed; will retry");
            }
        }
    }

    private static string Describe(Snapshot snapshot) =>
        snapshot.Models.IsEmpty ? "none" : string.Join(", ", snapshot.Models.Keys);

    private sealed record Snapshot(ImmutableSortedDictionary<string, ImmutableSortedDictionary<long, ServedModel>> Models, long Generation)
    {
        public static Snapshot Empty { get; } = new(ImmutableSortedDictionary.Create<string, ImmutableSortedDictionary<long, ServedModel>>(StringComparer.Ordinal), 0);

        public int Count => Models.Values.Sum(v => v.Count);

        public IEnumerable<ServedModel> All => Models.Values.SelectMany(v => v.Values);

        public bool Contains(string name, long version) => Models.TryGetValue(name, out var v) && v.ContainsKey(version);

        public Snapshot With(IEnumerable<ServedModel> added, IEnumerable<ServedModel> removed)
        {
            var models = Models;
            foreach (var model in removed)
            {
                var versions = models[model.Name].Remove(model.Version);
                models = versions.IsEmpty ? models.Remove(model.Name) : models.SetItem(model.Name, versions);
            }
            foreach (var model in added)
            {
                var versions = models.TryGetValue(model.Name, out var v) ? v : ImmutableSortedDictionary<long, ServedModel>.Empty;
                models = models.SetItem(model.Name, versions.SetItem(model.Version, model));
            }
            return new Snapshot(models, Generation + 1);
        }
    }
}
