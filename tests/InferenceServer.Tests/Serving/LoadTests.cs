using System.Collections.Concurrent;
using RbpPipeline.Client;
using RbpPipeline.Contracts.Rbp.V1;
using RbpPipeline.Contracts.SequenceEncoding;
using EncodedTensor = RbpPipeline.Contracts.SequenceEncoding.EncodedTensor;
using Grpc.Core;

namespace RbpPipeline.InferenceServer.Tests.Serving;

/// <summary>Dynamic batching, many concurrent clients, and graceful shutdown under load (loopback, bounded time).</summary>
public sealed class LoadTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static CallOptions Options => new(cancellationToken: Ct);

    [Fact]
    public async Task Concurrent_small_requests_are_merged_into_batches_and_each_gets_its_own_answer()
    {
        using var repo = new TestModelRepository();
        repo.Publish("m", 1);
        await using var server = await ServingServer.StartAsync(repo, o => { o.MaxQueueDelay = TimeSpan.FromMilliseconds(50); o.MaxBatchSize = 64; });
        var random = new Random(21);
        var sequences = Enumerable.Range(0, 32).Select(_ => PredictTests.RandomSequence(random, 20)).ToList();
        // Warm up the connection so the requests arrive together.
        await server.Models.PredictAsync(new PredictRequest { Model = "m", Sequences = { sequences[0] } }, Options);
        var before = await server.MetricAsync("rbp_batch_size_count{model=\"m:1\"}");

        var responses = await Task.WhenAll(sequences.Select(s =>
            server.Models.PredictAsync(new PredictRequest { Model = "m", Id = s, Sequences = { s } }, Options).ResponseAsync));

        var batches = await server.MetricAsync("rbp_batch_size_count{model=\"m:1\"}") - before;
        var rows = await server.MetricAsync("rbp_batch_size_sum{model=\"m:1\"}") - 1;
        Assert.Equal(32, rows);
        Assert.True(batches <= 8, $"32 concurrent requests ran in {batches} batches");
        using var oracle = new InProcessModel(repo.VersionFolder("m", 1));
        var expected = oracle.Run([new EncodedTensor("sequence", Nucleotides.ChannelNames, 20,
            new SequenceEncoder(TestModelRepository.Encoding(new TestModelSpec())).EncodeBatch(sequences))]);
        for (var i = 0; i < sequences.Count; i++)
        {
            Assert.Equal(sequences[i], responses[i].Id);
            Assert.Equal(expected["raw"][i * 2], responses[i].Predictions.Single().Raw[0]);
        }
        var text = await server.MetricsTextAsync();
        Assert.Contains("rbp_queue_time_seconds_count{model=\"m:1\"}", text);
        Assert.Contains("rbp_grpc_request_duration_seconds_bucket{method=\"rbp.v1.ModelService/Predict\",le=\"+Inf\"}", text);
        Assert.Contains("rbp_models_loaded 1", text);
    }

    [Fact]
    public async Task Many_concurrent_clients_for_a_bounded_time_fail_no_call_and_memory_stays_bounded()
    {
        using var repo = new TestModelRepository();
        repo.Publish("m", 1);
        await using var server = await ServingServer.StartAsync(repo, o => o.MaxStreamRequestsInFlight = 2);
        var random = new Random(31);
        var pool = Enumerable.Range(0, 64).Select(_ => PredictTests.RandomSequence(random, 20)).ToArray();
        var failures = new ConcurrentBag<Exception>();
        long predicted = 0;
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(3));
        long deepest = 0;
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                deepest = Math.Max(deepest, (long)await server.MetricAsync("rbp_queue_depth{model=\"m:1\"}"));
                await Task.Delay(20, Ct);
            }
        }, Ct);

        async Task Unary(int seed)
        {
            var r = new Random(seed);
            while (!stop.IsCancellationRequested)
            {
                var request = new PredictRequest { Model = "m" };
                request.Sequences.AddRange(Enumerable.Range(0, 1 + r.Next(16)).Select(_ => pool[r.Next(pool.Length)]));
                try
                {
                    var response = await server.Models.PredictAsync(request, Options);
                    Interlocked.Add(ref predicted, response.Predictions.Count);
                }
                catch (Exception e) { failures.Add(e); }
            }
        }

        async Task Streaming(int seed)
        {
            var r = new Random(seed);
            try
            {
                using var call = server.Models.PredictStream(Options);
                var reader = Task.Run(async () =>
                {
                    await foreach (var response in call.ResponseStream.ReadAllAsync(Ct)) Interlocked.Add(ref predicted, response.Predictions.Count);
                }, Ct);
                for (var i = 0; !stop.IsCancellationRequested; i++)
                {
                    var request = new PredictRequest { Model = "m", Id = i.ToString() };
                    request.Sequences.AddRange(Enumerable.Range(0, 32).Select(_ => pool[r.Next(pool.Length)]));
                    await call.RequestStream.WriteAsync(request, Ct); // flow control holds this back when the server is busy
                }
                await call.RequestStream.CompleteAsync();
                await reader;
            }
            catch (Exception e) { failures.Add(e); }
        }

        var tasks = Enumerable.Range(0, 24).Select(i => Task.Run(() => Unary(i), Ct))
            .Concat(Enumerable.Range(0, 4).Select(i => Task.Run(() => Streaming(100 + i), Ct))).ToList();
        await Task.WhenAll(tasks);
        await sampler;

        Assert.Empty(failures);
        Assert.True(predicted > 1000, $"only {predicted} rows predicted");
        // Bounded work in the server: at most one queued request per unary client and two per stream (its in-flight limit).
        Assert.InRange(deepest, 0, 24 + 4 * 2);
        Assert.Equal(0, await server.MetricAsync("rbp_queue_depth{model=\"m:1\"}"));
        Assert.Equal(0, await server.MetricAsync("rbp_grpc_requests_total{method=\"rbp.v1.ModelService/Predict\",code=\"INTERNAL\"}"));
    }

    [Fact]
    public async Task Graceful_shutdown_under_load_finishes_unary_calls_and_ends_streams_with_unavailable()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var marks = new List<string>();
        using var repo = new TestModelRepository();
        repo.Publish("m", 1);
        var server = await ServingServer.StartAsync(repo, shutdownTimeout: TimeSpan.FromSeconds(10));
        marks.Add($"started {clock.ElapsedMilliseconds} ms");
        await using var _ = server;
        var statuses = new ConcurrentBag<StatusCode>();
        var details = new ConcurrentBag<string>();
        var others = new ConcurrentBag<Exception>();
        using var stop = new CancellationTokenSource();

        async Task Unary()
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    await server.Models.PredictAsync(new PredictRequest { Model = "m", Sequences = { new string('A', 20) } },
                        new CallOptions(deadline: DateTime.UtcNow.Add(TimeSpan.FromSeconds(10)), cancellationToken: Ct));
                    statuses.Add(StatusCode.OK);
                }
                catch (RpcException e) { statuses.Add(e.StatusCode); details.Add($"{e.StatusCode}: {e.Status.Detail}"); }
                catch (Exception e) { others.Add(e); }
            }
        }

        using var stream = server.Models.PredictStream(Options);
        await stream.RequestStream.WriteAsync(new PredictRequest { Model = "m", Id = "s0", Sequences = { new string('C', 20) } }, Ct);
        Assert.True(await stream.ResponseStream.MoveNext(Ct));
        marks.Add($"stream answered {clock.ElapsedMilliseconds} ms");
        var clients = Enumerable.Range(0, 8).Select(_ => Task.Run(Unary, Ct)).ToList();
        await Task.Delay(300, Ct);

        marks.Add($"load running {clock.ElapsedMilliseconds} ms");
        var stopping = server.Host.StopAsync(Ct);
        var e = await Assert.ThrowsAsync<RpcException>(async () => { while (await stream.ResponseStream.MoveNext(Ct)) { } });
        Assert.True(e.StatusCode == StatusCode.Unavailable, $"stream ended with {e.StatusCode}: {e.Status.Detail}");
        marks.Add($"stream ended {clock.ElapsedMilliseconds} ms");
        // A client that has its status closes its half of the stream (grpc-core resets it); Kestrel's drain waits
        // for that, so keep the test's client as well-behaved.
        stream.Dispose();
        await stopping;
        marks.Add($"stopped {clock.ElapsedMilliseconds} ms");
        stop.Cancel();
        await Task.WhenAll(clients);
        marks.Add($"clients ended {clock.ElapsedMilliseconds} ms");
        await server.DisposeAsync();
        marks.Add($"disposed {clock.ElapsedMilliseconds} ms");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(9), string.Join("; ", marks)); // well inside the 10 s drain limit

        Assert.Empty(others);
        Assert.Contains(StatusCode.OK, statuses);
        // Calls accepted before the stop finished normally; later ones were refused as UNAVAILABLE, never failed midway.
        Assert.All(statuses, s => Assert.True(s is StatusCode.OK or StatusCode.Unavailable, string.Join("\n", details.Distinct())));
    }
}
