namespace RbpPipeline.Client;

/// <summary>
/// Work spread as many bounded calls: up to <c>inFlight</c> calls run at once (each picks a replica of its own
/// under round robin), and their results are consumed in input order, so the output does not depend on which replica
/// answered first. Each call is retried by <see cref="ReplicaRetry"/> when its replica goes away.
/// </summary>
public static class BoundedCalls
{
    public static async Task RunOrderedAsync<TItem, TResult>(IEnumerable<TItem> items, int inFlight, int maxAttempts,
        Func<TItem, CancellationToken, Task<TResult>> call, Func<TItem, TResult, Task> consume, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inFlight, 1);
        using var abort = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var running = new Queue<(TItem Item, Task<TResult> Result)>();
        try
        {
            foreach (var item in items)
            {
                if (running.Count == inFlight) await ConsumeOldestAsync().ConfigureAwait(false);
                running.Enqueue((item, ReplicaRetry.RunAsync(ct => call(item, ct), maxAttempts, abort.Token)));
            }
            while (running.Count > 0) await ConsumeOldestAsync().ConfigureAwait(false);
        }
        finally
        {
            // On failure the calls still running are cancelled and awaited, so none outlives the run.
            abort.Cancel();
            foreach (var (_, result) in running)
                try { await result.ConfigureAwait(false); } catch { /* the first failure is the one reported */ }
        }

        async Task ConsumeOldestAsync()
        {
            var (item, result) = running.Peek();
            var value = await result.ConfigureAwait(false);
            running.Dequeue();
            await consume(item, value).ConfigureAwait(false);
        }
    }
}
