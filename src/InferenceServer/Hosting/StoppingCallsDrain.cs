using Microsoft.Extensions.Hosting;

namespace RbpPipeline.InferenceServer.Hosting;

/// <summary>
/// Orders a graceful stop so that calls cut by it end with their status on the wire. The host signals
/// <see cref="IHostApplicationLifetime.ApplicationStopping"/> and then at once stops Kestrel, which closes each HTTP/2
/// connection as soon as no stream on it is open from the client's side. Kestrel counts a stream as closed when it
/// queues the stream's trailers, and aborts the streams the client has not half-closed (a bidirectional stream)
/// when it closes the connection, so a trailers frame still queued is dropped: the client then sees "the HTTP/2
/// server closed the connection (NO_ERROR)", INTERNAL, instead of UNAVAILABLE. So before any service stops, this
/// signals stopping itself and waits, within the host's shutdown timeout, until every call linked by
/// <see cref="ServerStopping.Link"/> has completed its response; only then does Kestrel begin closing connections.
/// </summary>
public sealed class StoppingCallsDrain(IHostApplicationLifetime lifetime, ServerStopping stopping) : IHostedLifecycleService
{
    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        lifetime.StopApplication(); // a no-op when Ctrl+C / SIGTERM already signalled it
        try
        {
            await stopping.LinkedCallsEnded.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Past the shutdown timeout: Kestrel aborts whatever is left.
        }
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
