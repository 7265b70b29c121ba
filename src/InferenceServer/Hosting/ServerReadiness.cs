using Grpc.HealthCheck;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace RbpPipeline.InferenceServer.Hosting;

/// <summary>
/// The readiness status a load balancer or a Kubernetes readiness probe asks for: the <c>grpc.health.v1</c> service
/// name <see cref="ServiceName"/>. NOT_SERVING while the initial repository scan loads every version it found (a
/// refused version is logged and does not hold it back); SERVING from then on, hot reloads included; NOT_SERVING
/// again, for good, as the first step of shutdown, so that balancers stop sending new calls before the server
/// drains the calls in flight. The overall status ("") only says that the process answers (liveness).
/// </summary>
public sealed class ServerReadiness
{
    public const string ServiceName = "rbp.readiness";

    private readonly HealthServiceImpl _health;
    private readonly Lock _gate = new();
    private bool _loaded;
    private bool _stopping;

    public ServerReadiness(HealthServiceImpl health)
    {
        _health = health;
        health.SetStatus(ServiceName, ServingStatus.NotServing);
    }

    public bool IsReady
    {
        get { lock (_gate) return _loaded && !_stopping; }
    }

    /// <summary>The initial scan has loaded (or refused) every version it found.</summary>
    public void InitialLoadFinished()
    {
        // Under the lock, so that a stop racing with the end of the load cannot be overwritten by SERVING.
        lock (_gate)
        {
            _loaded = true;
            if (!_stopping) _health.SetStatus(ServiceName, ServingStatus.Serving);
        }
    }

    /// <summary>Shutdown has begun: not ready, whatever happens after.</summary>
    public void Stopping()
    {
        lock (_gate)
        {
            _stopping = true;
            _health.SetStatus(ServiceName, ServingStatus.NotServing);
        }
    }
}
