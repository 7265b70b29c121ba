using System.Diagnostics;
using Grpc.Core;
using Grpc.Net.Client;
using RbpPipeline.Contracts.Rbp.V1;
using RbpPipeline.InferenceServer.Hosting;

namespace RbpPipeline.InferenceServer.Tests.Serving;

/// <summary>Measures the test process's CPU time, so nothing else may run beside these tests.</summary>
[CollectionDefinition(DisableParallelization = true)]
public sealed class CpuTimeCollection;

/// <summary>
/// Work of a call the client abandoned (cancelled, deadline passed) or of a stopping server stops within about a
/// second: the server's CPU time (this process's, the server runs in it) stops growing. The request is a large but
/// allowed integrated-gradients run (the limits are raised for it) that would otherwise compute for minutes.
/// </summary>
[Collection(typeof(CpuTimeCollection))]
public sealed class AbandonedWorkTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static AttributeRequest LongRequest()
    {
        var inputs = new SequenceBatch();
        var random = new Random(5);
        for (var i = 0; i < 400; i++) inputs.Sequences.Add(string.Concat(Enumerable.Range(0, 20).Select(_ => "ACGU"[random.Next(4)])));
        return new AttributeRequest
        {
            Model = "m",
            Target = new Target { Weights = { ["bound"] = 1 } },
            Method = AttributionMethod.IntegratedGradients,
            Steps = 1000,
            Baseline = new Baseline { Kind = Baseline.Types.Kind.Shuffle, Samples = 200 },
            Inputs = inputs,
            SequencesPerResponse = 400,
        };
    }

    private static Task<ServingServer> StartAsync(TestModelRepository repo, TimeSpan? shutdownTimeout = null)
    {
        repo.Publish("m", 1);
        return ServingServer.StartAsync(repo, o => o.Interpretation = new InterpretationLimits
        {
            MaxBaselineSamples = 1000,
            MaxEvaluations = long.MaxValue,
        }, shutdownTimeout: shutdownTimeout);
    }

    private static TimeSpan Cpu()
    {
        using var process = Process.GetCurrentProcess();
        return process.TotalProcessorTime;
    }

    /// <summary>Model rows the server has run (forward and gradient batchers): grows while the request computes.</summary>
    private static double RowsRun(ServingServer server) =>
        server.Host.Metrics.Render().Split('\n')
            .Where(l => l.StartsWith("rbp_predicted_rows_total", StringComparison.Ordinal))
            .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Waits until the server is visibly computing the request (its batchers run rows).</summary>
    private static async Task WaitUntilBusyAsync(ServingServer server)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (RowsRun(server) < 10_000)
        {
            Assert.True(DateTime.UtcNow < deadline, "the long request never got going");
            await Task.Delay(100, Ct);
        }
    }

    /// <summary>
    /// The process's CPU use per second before the request (other tests' servers may still be winding down): the
    /// quietest of two one-second windows.
    /// </summary>
    private static async Task<double> BackgroundAsync()
    {
        var quietest = double.MaxValue;
        for (var i = 0; i < 2; i++)
        {
            var t1 = Cpu();
            await Task.Delay(1000, Ct);
            quietest = Math.Min(quietest, (Cpu() - t1).TotalSeconds);
        }
        return quietest;
    }

    /// <summary>
    /// Allows a second for the work to stop, then expects a quiet second: at most 0.15 s of CPU time above the
    /// background. Work that goes on keeps every second busy; a lone burst of something else (tiered JIT, a GC) spoils
    /// one window only, so up to four consecutive windows are measured.
    /// </summary>
    private static async Task AssertIdleAsync(ServingServer server, double background, string after)
    {
        await Task.Delay(1000, Ct);
        var rows = RowsRun(server);
        var windows = new List<double>();
        for (var i = 0; i < 4; i++)
        {
            var t1 = Cpu();
            await Task.Delay(1000, Ct);
            windows.Add((Cpu() - t1).TotalSeconds);
            if (windows[^1] < background + 0.15) break;
        }
        Assert.True(rows == RowsRun(server), $"after {after}, the server still ran model rows: {rows} then {RowsRun(server)}");
        if (windows[^1] < background + 0.15) return;
        Assert.Fail($"after {after}, the process kept using CPU: {string.Join(", ", windows.Select(w => $"{w:F2} s"))} per second " +
            $"(background {background:F2} s); {Batches(server.Host.Metrics.Render())}");
    }

    private static string Batches(string metrics) =>
        string.Join("; ", metrics.Split('\n').Where(l => l.StartsWith("rbp_batch_size_count", StringComparison.Ordinal) || l.StartsWith("rbp_queue_depth", StringComparison.Ordinal)));

    [Fact]
    public async Task Work_of_a_cancelled_call_stops()
    {
        using var repo = new TestModelRepository();
        await using var server = await StartAsync(repo);
        using var channel = GrpcChannel.ForAddress(server.Host.Address);
        var client = new InterpretationService.InterpretationServiceClient(channel);
        var background = await BackgroundAsync();
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        using var call = client.Attribute(LongRequest(), cancellationToken: cancel.Token);
        var reading = call.ResponseStream.MoveNext(cancel.Token);
        await WaitUntilBusyAsync(server);
        await cancel.CancelAsync();
        var e = await Assert.ThrowsAsync<RpcException>(() => reading);
        Assert.Equal(StatusCode.Cancelled, e.StatusCode);
        await AssertIdleAsync(server, background, "the client cancelled");
    }

    [Fact]
    public async Task Work_of_a_call_past_its_deadline_stops()
    {
        using var repo = new TestModelRepository();
        await using var server = await StartAsync(repo);
        using var channel = GrpcChannel.ForAddress(server.Host.Address);
        var client = new InterpretationService.InterpretationServiceClient(channel);
        var background = await BackgroundAsync();
        using var call = client.Attribute(LongRequest(), deadline: DateTime.UtcNow.AddSeconds(2.5), cancellationToken: Ct);
        var reading = call.ResponseStream.MoveNext(Ct);
        await WaitUntilBusyAsync(server);
        var e = await Assert.ThrowsAsync<RpcException>(() => reading);
        Assert.Equal(StatusCode.DeadlineExceeded, e.StatusCode);
        await AssertIdleAsync(server, background, "the deadline passed");
    }

    [Fact]
    public async Task A_stopping_server_ends_running_work_with_unavailable_within_its_shutdown_timeout()
    {
        using var repo = new TestModelRepository();
        var server = await StartAsync(repo, shutdownTimeout: TimeSpan.FromSeconds(3));
        try
        {
            using var channel = GrpcChannel.ForAddress(server.Host.Address);
            var client = new InterpretationService.InterpretationServiceClient(channel);
            var background = await BackgroundAsync();
            using var call = client.Attribute(LongRequest(), cancellationToken: Ct);
            var reading = call.ResponseStream.MoveNext(Ct);
            await WaitUntilBusyAsync(server);
            var clock = Stopwatch.StartNew();
            await server.Host.StopAsync(Ct);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3.5), $"stopping took {clock.Elapsed.TotalSeconds:F1} s");
            var e = await Assert.ThrowsAsync<RpcException>(() => reading);
            Assert.Equal(StatusCode.Unavailable, e.StatusCode);
            await AssertIdleAsync(server, background, "the server stopped");
        }
        finally
        {
            await server.DisposeAsync();
        }
    }
}
