using System.Collections.Concurrent;
using RbpPipeline.Client;
using RbpPipeline.Contracts.Rbp.V1;

namespace RbpPipeline.InferenceServer.Tests.Serving;

/// <summary>
/// What a rolling update or a scale-down does to clients: one of three replicas drains (graceful stop: not ready
/// first, calls in flight finish, new ones refused) while a client spreads predictions over all three with the
/// project's <see cref="ServerConnection"/> (round robin, retry on UNAVAILABLE). No call may fail.
/// </summary>
public sealed class DrainTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_client_over_three_replicas_loses_no_call_while_one_drains()
    {
        using var repo = new TestModelRepository();
        repo.Publish("m", 1);
        var replicas = new List<ServingServer>();
        try
        {
            for (var i = 0; i < 3; i++) replicas.Add(await ServingServer.StartAsync(repo));
            using var connection = ServerConnection.Open(new ServerOptions { Servers = [.. replicas.Select(r => r.Host.Address.ToString().TrimEnd('/'))] });
            var ok = 0;
            var failures = new ConcurrentBag<string>();
            using var stop = new CancellationTokenSource();

            async Task Client(int id)
            {
                var random = new Random(id);
                while (!stop.IsCancellationRequested)
                {
                    var sequence = new string([.. Enumerable.Range(0, 20).Select(_ => "ACGU"[random.Next(4)])]);
                    try
                    {
                        var response = await connection.Models.PredictAsync(new PredictRequest { Model = "m", Sequences = { sequence } },
                            deadline: DateTime.UtcNow.AddSeconds(20), cancellationToken: Ct);
                        if (response.Predictions.Count != 1) failures.Add($"{response.Predictions.Count} predictions for one sequence");
                        else Interlocked.Increment(ref ok);
                    }
                    catch (Exception e) { failures.Add($"{e.GetType().Name}: {e.Message}"); }
                }
            }

            var clients = Enumerable.Range(0, 6).Select(i => Task.Run(() => Client(i), Ct)).ToList();
            await ServingServer.WaitUntilAsync(() => Volatile.Read(ref ok) >= 60, what: "60 calls before the drain");
            var servedBefore = await Task.WhenAll(replicas.Select(PredictedRowsAsync));
            Assert.All(servedBefore, rows => Assert.True(rows > 0, "a replica got no call: the client does not spread"));

            await replicas[1].Host.StopAsync(Ct); // the drain: readiness NOT_SERVING, in-flight calls finish, new ones refused
            Assert.False(replicas[1].Host.Readiness.IsReady);
            var okAtStop = Volatile.Read(ref ok);
            var othersAtStop = new[] { await PredictedRowsAsync(replicas[0]), await PredictedRowsAsync(replicas[2]) };
            await ServingServer.WaitUntilAsync(() => Volatile.Read(ref ok) >= okAtStop + 60, what: "60 calls after the drain");
            stop.Cancel();
            await Task.WhenAll(clients);

            Assert.Empty(failures);
            Assert.True(await PredictedRowsAsync(replicas[0]) > othersAtStop[0] && await PredictedRowsAsync(replicas[2]) > othersAtStop[1],
                        "the remaining replicas did not take the calls after the drain");
        }
        finally
        {
            foreach (var replica in replicas) await replica.DisposeAsync();
        }
    }

    private static async Task<double> PredictedRowsAsync(ServingServer server) =>
        (await server.MetricsTextAsync()).Split('\n').Where(l => l.StartsWith("rbp_predicted_rows_total", StringComparison.Ordinal))
            .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture));
}
