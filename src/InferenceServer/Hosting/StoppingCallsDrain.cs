using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace RbpPipeline.InferenceServer.Hosting;

/// <summary>
/// Orders a graceful stop so that calls cut by it end with their status on the wire. The host signals
/// <see cref="IHostApplicationLifetime.ApplicationStopping"/> and then at once stops Kestrel, which closes each HTTP/2
/// connection as soon as no stream on it is open from the client's side. Kestrel counts a stream as closed when it
/// queues the stream's trailers, and aborts the streams the client has not half-closed (a bidirectional stream)
/// when it closes the connection, so a trailers frame still queued is dropped: the client then sees "the HTTP/2
/// server closed the connection (NO_ERROR)", INTERNAL, instead of UNAVAILABLE. So before any service stops, this
/// signals stopping itself and waits, within the host's shutdown timeout, until every call linked by
/// <see cref="ServerStopping.Link"/> has completed its response, plus <see cref="FlushGrace"/> for the frame writers
/// to write the trailers; only then does Kestrel begin closing connections.
/// </summary>
public sealed partial class StoppingCallsDrain(IHostApplicationLifetime lifetime, ServerStopping stopping, ILogger<StoppingCallsDrain> logger)
    : IHostedLifecycleService
{
    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var ended = stopping.LinkedCallsEnded;
        lifetime.StopApplication(); // a no-op when Ctrl+C / SIGTERM already signalled it
        if (ended.IsCompleted) return;
        try
        {
            await ended.WaitAsync(cancellationToken).ConfigureAwait(false);
            // A completed response has only handed its trailers to the connection's frame writer, which writes them
            // asynchronously, and nothing tells the application when it has: give it a moment before the close.
            await Task.Delay(FlushGrace, cancellationToken).ConfigureAwait(false);
            Drained(logger, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Past the shutdown timeout: Kestrel aborts whatever is left.
            NotDrained(logger);
        }
    }

    /// <summary>How long the frame writers get to put the last statuses on the wire once the calls have completed.</summary>
    public static readonly TimeSpan FlushGrace = TimeSpan.FromMilliseconds(250);

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 1200, Level = LogLevel.Debug, Message = "stopping: linked calls ended after {Milliseconds:F1} ms")]
    private static partial void Drained(ILogger logger, double milliseconds);

    [LoggerMessage(EventId = 1201, Level = LogLevel.Warning, Message = "stopping: linked calls still running at the shutdown timeout")]
    private static partial void NotDrained(ILogger logger);
}
