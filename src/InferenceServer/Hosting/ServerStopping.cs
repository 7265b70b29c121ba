using Grpc.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;

namespace RbpPipeline.InferenceServer.Hosting;

/// <summary>
/// One cancellation source per call, for work that must not outlive a stopping server: it fires when the client
/// cancels, the deadline passes, or the host begins stopping (Ctrl+C, SIGTERM), so long streams and interpretation
/// requests end at once instead of holding the process past its shutdown timeout. The exception interceptor answers
/// calls cut short by the stop with UNAVAILABLE. Linked calls are counted until their response has completed, so
/// <see cref="StoppingCallsDrain"/> can hold Kestrel's connection shutdown back until their statuses are written.
/// </summary>
public sealed class ServerStopping(IHostApplicationLifetime lifetime)
{
    private readonly Lock _gate = new();
    private int _calls;
    private TaskCompletionSource _ended = Ended();

    public CancellationToken Token => lifetime.ApplicationStopping;

    public bool IsStopping => lifetime.ApplicationStopping.IsCancellationRequested;

    /// <summary>Completes once no linked call is in flight (its response, trailers included, handed to Kestrel).</summary>
    public Task LinkedCallsEnded
    {
        get { lock (_gate) return _ended.Task; }
    }

    public CancellationTokenSource Link(ServerCallContext context)
    {
        Begin();
        // Response.OnCompleted runs after grpc-dotnet has written the status and Kestrel has finished the response;
        // it also runs for an aborted request, so the count cannot leak.
        context.GetHttpContext().Response.OnCompleted(() =>
        {
            End();
            return Task.CompletedTask;
        });
        return CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, lifetime.ApplicationStopping);
    }

    private void Begin()
    {
        lock (_gate)
        {
            if (_calls++ == 0) _ended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    private void End()
    {
        TaskCompletionSource? ended = null;
        lock (_gate)
        {
            if (--_calls == 0) ended = _ended;
        }
        ended?.TrySetResult();
    }

    private static TaskCompletionSource Ended()
    {
        var ended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        ended.SetResult();
        return ended;
    }
}
