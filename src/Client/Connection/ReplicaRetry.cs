using System.Net.Http;
using Grpc.Core;

namespace RbpPipeline.Client;

/// <summary>
/// Runs an idempotent call again when its replica went away while it ran. The channel's retry policy covers calls
/// that fail before the server answers; a replica killed after it sent response headers fails the call in a way no
/// retry policy may repeat (the call is committed), so a batch whose result is a pure function of its request is
/// sent again here: round robin gives the new call to a replica that is still ready.
/// </summary>
public static class ReplicaRetry
{
    public static async Task<T> RunAsync<T>(Func<CancellationToken, Task<T>> call, int maxAttempts, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxAttempts, 1);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await call(cancellationToken).ConfigureAwait(false);
            }
            catch (RpcException e) when (attempt < maxAttempts && IsReplicaLost(e) && !cancellationToken.IsCancellationRequested)
            {
                // A short pause lets the balancer see the connection drop before the next pick.
                await Task.Delay(TimeSpan.FromMilliseconds(50 * attempt), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// UNAVAILABLE, or a call cut off by its transport (connection reset, stream aborted) which Grpc.Net.Client may
    /// report as INTERNAL or UNKNOWN with the I/O error attached. A status the server chose is never retried.
    /// </summary>
    public static bool IsReplicaLost(RpcException e) =>
        e.StatusCode == StatusCode.Unavailable
        || (e.StatusCode is StatusCode.Internal or StatusCode.Unknown && e.Status.DebugException is IOException or HttpRequestException);
}
