using Grpc.Core;

namespace RbpPipeline.Client.Tests.Connection;

/// <summary>Work spread as bounded calls: input order kept, concurrency bounded, lost replicas retried, server errors not.</summary>
public sealed class BoundedCallsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Results_are_consumed_in_input_order_with_at_most_in_flight_calls_running()
    {
        var running = 0;
        var peak = 0;
        var consumed = new List<int>();
        var random = new Random(3);
        var delays = Enumerable.Range(0, 40).Select(_ => random.Next(1, 15)).ToArray();
        await BoundedCalls.RunOrderedAsync(Enumerable.Range(0, 40), inFlight: 4, maxAttempts: 1, async (i, ct) =>
        {
            var now = Interlocked.Increment(ref running);
            lock (consumed) peak = Math.Max(peak, now);
            await Task.Delay(delays[i], ct);
            Interlocked.Decrement(ref running);
            return i * i;
        }, (i, square) =>
        {
            Assert.Equal(i * i, square);
            consumed.Add(i);
            return Task.CompletedTask;
        }, Ct);
        Assert.Equal(Enumerable.Range(0, 40), consumed);
        Assert.InRange(peak, 2, 4);
    }

    [Fact]
    public async Task A_call_whose_replica_went_away_is_sent_again()
    {
        var attempts = new int[5];
        var consumed = new List<int>();
        await BoundedCalls.RunOrderedAsync(Enumerable.Range(0, 5), inFlight: 2, maxAttempts: 3, (i, _) =>
        {
            // Item 2 fails twice as a killed replica does: once UNAVAILABLE, once cut off mid-response.
            var attempt = Interlocked.Increment(ref attempts[i]);
            if (i == 2 && attempt == 1) throw new RpcException(new Status(StatusCode.Unavailable, "connection refused"));
            if (i == 2 && attempt == 2) throw new RpcException(new Status(StatusCode.Internal, "stream reset", new IOException("reset")));
            return Task.FromResult(i);
        }, (i, _) => { consumed.Add(i); return Task.CompletedTask; }, Ct);
        Assert.Equal([0, 1, 2, 3, 4], consumed);
        Assert.Equal([1, 1, 3, 1, 1], attempts);
    }

    [Fact]
    public async Task A_status_the_server_chose_is_not_retried_and_stops_the_run()
    {
        var attempts = 0;
        var started = new List<int>();
        var e = await Assert.ThrowsAsync<RpcException>(() => BoundedCalls.RunOrderedAsync(Enumerable.Range(0, 100), inFlight: 2, maxAttempts: 5,
            async (i, ct) =>
            {
                lock (started) started.Add(i);
                if (i == 1) { Interlocked.Increment(ref attempts); throw new RpcException(new Status(StatusCode.InvalidArgument, "sequence 3: bad")); }
                await Task.Delay(5, ct);
                return i;
            }, (_, _) => Task.CompletedTask, Ct));
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Equal(1, attempts);
        Assert.True(started.Count < 10, $"{started.Count} calls started after the failure");
    }

    [Fact]
    public async Task Retries_end_after_max_attempts_with_the_last_error()
    {
        var attempts = 0;
        var e = await Assert.ThrowsAsync<RpcException>(() => ReplicaRetry.RunAsync<int>(_ =>
        {
            attempts++;
            throw new RpcException(new Status(StatusCode.Unavailable, $"attempt {attempts}"));
        }, maxAttempts: 3, Ct));
        Assert.Equal(3, attempts);
        Assert.Equal("attempt 3", e.Status.Detail);
    }

    [Theory]
    [InlineData(StatusCode.Unavailable, false, true)]
    [InlineData(StatusCode.Internal, true, true)]
    [InlineData(StatusCode.Internal, false, false)]
    [InlineData(StatusCode.Unknown, true, true)]
    [InlineData(StatusCode.ResourceExhausted, true, false)]
    [InlineData(StatusCode.DeadlineExceeded, false, false)]
    [InlineData(StatusCode.Cancelled, false, false)]
    public void Only_transport_failures_count_as_a_lost_replica(StatusCode code, bool ioError, bool lost) =>
        Assert.Equal(lost, ReplicaRetry.IsReplicaLost(new RpcException(new Status(code, "x", ioError ? new IOException("reset") : null))));
}
