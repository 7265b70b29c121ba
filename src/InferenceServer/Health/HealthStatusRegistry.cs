using System.Threading.Channels;
using RbpPipeline.Grpc.Health.V1;
using ServingStatus = RbpPipeline.Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace RbpPipeline.InferenceServer.Health;

/// <summary>
/// The serving status of the server ("") and of each service, set by the host (e.g. NOT_SERVING until the
/// models are loaded) and read by the health service. Watchers see every change.
/// </summary>
public sealed class HealthStatusRegistry
{
    /// <summary>The name that stands for the server as a whole.</summary>
    public const string Server = "";

    private readonly object _gate = new();
    private readonly Dictionary<string, ServingStatus> _statuses = new(StringComparer.Ordinal);
    private readonly List<HealthWatch> _watches = [];

    public void SetStatus(string service, ServingStatus status)
    {
        ArgumentNullException.ThrowIfNull(service);
        lock (_gate)
        {
            _statuses[service] = status;
            Notify(service, status);
        }
    }

    /// <summary>Sets a status only where the host has not set one, so startup defaults never override the host.</summary>
    public void SetStatusIfUnknown(string service, ServingStatus status)
    {
        lock (_gate)
        {
            if (_statuses.ContainsKey(service)) return;
            _statuses[service] = status;
            Notify(service, status);
        }
    }

    public void SetAll(ServingStatus status)
    {
        lock (_gate)
        {
            foreach (var service in _statuses.Keys.ToList())
            {
                _statuses[service] = status;
                Notify(service, status);
            }
        }
    }

    /// <summary>Forgets a service: Check answers NOT_FOUND and watchers see SERVICE_UNKNOWN.</summary>
    public void Clear(string service)
    {
        lock (_gate)
        {
            if (_statuses.Remove(service)) Notify(service, ServingStatus.ServiceUnknown);
        }
    }

    public bool TryGetStatus(string service, out ServingStatus status)
    {
        lock (_gate) return _statuses.TryGetValue(service, out status);
    }

    public IReadOnlyDictionary<string, ServingStatus> Snapshot()
    {
        lock (_gate) return new Dictionary<string, ServingStatus>(_statuses);
    }

    /// <summary>Starts watching one service; the current status (or SERVICE_UNKNOWN) is the first item.</summary>
    public HealthWatch Watch(string service)
    {
        lock (_gate)
        {
            var watch = new HealthWatch(this, service);
            _watches.Add(watch);
            watch.Publish(_statuses.TryGetValue(service, out var s) ? s : ServingStatus.ServiceUnknown);
            return watch;
        }
    }

    internal void Remove(HealthWatch watch)
    {
        lock (_gate) _watches.Remove(watch);
    }

    private void Notify(string service, ServingStatus status)
    {
        foreach (var watch in _watches)
            if (watch.Service == service) watch.Publish(status);
    }
}

/// <summary>One watcher's view: only the newest status matters, so older unread ones are dropped.</summary>
public sealed class HealthWatch : IDisposable
{
    private readonly HealthStatusRegistry _owner;
    private readonly Channel<ServingStatus> _channel =
        Channel.CreateBounded<ServingStatus>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropOldest });

    internal HealthWatch(HealthStatusRegistry owner, string service)
    {
        _owner = owner;
        Service = service;
    }

    public string Service { get; }

    public ChannelReader<ServingStatus> Updates => _channel.Reader;

    internal void Publish(ServingStatus status) => _channel.Writer.TryWrite(status);

    public void Dispose()
    {
        _owner.Remove(this);
        _channel.Writer.TryComplete();
    }
}
