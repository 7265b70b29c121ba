using Grpc.Core;
using Microsoft.Extensions.Hosting;

namespace RbpPipeline.InferenceServer.Hosting;

/// <summary>
/// One cancellation source per call, for work that must not outlive a stopping server: it fires when the client
/// cancels, the deadline passes, or the host begins stopping (Ctrl+C, SIGTERM), so long streams and interpretation
/// requests end at once instead of holding the process past its shutdown timeout. The exception interceptor answers
/// calls cut short by the stop with UNAVAILABLE.
/// </summary>
public sealed class ServerStopping(IHostApplicationLifetime lifetime)
{
    public CancellationToken Token => lifetime.ApplicationStopping;

    public bool IsStopping => lifetime.ApplicationStopping.IsCancellationRequested;

    public CancellationTokenSource Link(ServerCallContext context) =>
        CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, lifetime.ApplicationStopping);
}
