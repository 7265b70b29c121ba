using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using RbpPipeline.Client;
using RbpPipeline.Contracts.Rbp.V1;
using Grpc.Core;

namespace RbpPipeline.InferenceServer.Tests.Serving;

/// <summary>The model repository: hot reload without failed calls, refusal of corrupt versions, incomplete folders.</summary>
public sealed class RepositoryTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static CallOptions Options => new(cancellationToken: Ct);

    private static PredictRequest Request(string model = "m", long version = 0) =>
        new() { Model = model, Version = version, Sequences = { "ACGUACGUACGUACGUACGU", "GGGGGAAAAACCCCCUUUUU" } };

    [Fact]
    public async Task Publishing_a_new_version_under_load_fails_no_call_and_later_calls_see_it()
    {
        using var repo = new TestModelRepository();
        repo.Publish("m", 1);
        await using var server = await ServingServer.StartAsync(repo);
        var v1 = server.Host.Repository.VersionsOf("m").Single();
        var calls = new ConcurrentBag<(DateTime Started, long Version)>();
        var failures = new ConcurrentBag<Exception>();
        DateTime? swapped = null;
        using var stop = new CancellationTokenSource();

        async Task Client()
        {
            while (!stop.IsCancellationRequested)
            {
                var started = DateTime.UtcNow;
                try
                {
                    var response = await server.Models.PredictAsync(Request(), Options);
                    calls.Add((started, response.Version));
                }
                catch (Exception e)
                {
                    failures.Add(e);
                }
            }
        }

        var clients = Enumerable.Range(0, 6).Select(_ => Task.Run(Client, Ct)).ToList();
        await Task.Delay(300, Ct);
        repo.Publish("m", 2, new TestModelSpec { Seed = 2 });
        await ServingServer.WaitUntilAsync(() => server.Host.Repository.VersionsOf("m").Count == 2, what: "version 2 to load");
        swapped = DateTime.UtcNow;
        // Remove version 1 while requests may still be running on it: they finish, then its sessions go.
        repo.Remove("m", 1);
        await ServingServer.WaitUntilAsync(() => server.Host.Repository.VersionsOf("m").Count == 1, what: "version 1 to unload");
        await Task.Delay(300, Ct);
        stop.Cancel();
        await Task.WhenAll(clients);

        Assert.Empty(failures);
        Assert.Contains(calls, c => c.Version == 1);
        Assert.Contains(calls, c => c.Version == 2);
        Assert.All(calls.Where(c => c.Started > swapped), c => Assert.Equal(2, c.Version));
        await v1.Disposed.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        Assert.True(server.Logged(LogLevel.Information, "sessions disposed"));
        var e = await Assert.ThrowsAsync<RpcException>(() => server.Models.PredictAsync(Request("m", 1), Options).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, e.StatusCode);
        Assert.Equal(1, await server.MetricAsync("rbp_model_load_events_total{model=\"m\",version=\"1\",event=\"unloaded\"}"));
    }

    [Fact]
    public async Task A_tampered_model_is_refused_with_a_reason_while_the_others_serve()
    {
        using var repo = new TestModelRepository();
        repo.Publish("good", 1);
        repo.Publish("bad", 1);
        repo.Tamper("bad", 1);
        await using var server = await ServingServer.StartAsync(repo);

        Assert.True(server.Logged(LogLevel.Warning, "model.onnx has SHA-256"));
        Assert.True(server.Logged(LogLevel.Warning, "corrupt or tampered"));
        Assert.Equal(StatusCode.NotFound, (await Assert.ThrowsAsync<RpcException>(() => server.Models.PredictAsync(Request("bad"), Options).ResponseAsync)).StatusCode);
        Assert.Equal(2, (await server.Models.PredictAsync(Request("good"), Options)).Predictions.Count);

        // While serving: a tampered gradient graph, an unreadable manifest and a graph ONNX Runtime cannot load.
        repo.Publish("good", 2);
        repo.Tamper("good", 2, "gradient.onnx");
        var v3 = repo.WriteInPlace("good", 3, withManifest: false);
        File.WriteAllText(Path.Combine(v3, "manifest.json"), "{\"schemaVersion\": 1, \"name\": ");
        var v4 = repo.WriteInPlace("good", 4, withManifest: false);
        File.WriteAllBytes(Path.Combine(v4, "model.onnx"), "not an onnx model at all"u8.ToArray());
        repo.WriteManifest("good", 4);
        await ServingServer.WaitUntilAsync(() => server.Logged(LogLevel.Warning, "model good version 4 refused"), what: "version 4 refusal");
        await ServingServer.WaitUntilAsync(() => server.Logged(LogLevel.Warning, "model good version 3 refused"), what: "version 3 refusal");
        await ServingServer.WaitUntilAsync(() => server.Logged(LogLevel.Warning, "model good version 2 refused"), what: "version 2 refusal");
        Assert.True(server.Logged(LogLevel.Warning, "gradient.onnx has SHA-256"));
        Assert.True(server.Logged(LogLevel.Warning, "unreadable manifest"));
        Assert.True(server.Logged(LogLevel.Warning, "ONNX Runtime could not load it"));
        Assert.Equal(1, (await server.Models.PredictAsync(Request("good"), Options)).Version);
        Assert.Equal(1, await server.MetricAsync("rbp_model_load_events_total{model=\"good\",version=\"4\",event=\"refused\"}"));

        // Refusals are remembered: rescans do not log them again until the files change.
        var before = server.Logs.Entries.Count(e => e.Message.Contains("version 4 refused", StringComparison.Ordinal));
        await server.Host.Repository.ScanAsync(Ct);
        Assert.Equal(before, server.Logs.Entries.Count(e => e.Message.Contains("version 4 refused", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task An_incomplete_version_is_ignored_until_its_manifest_arrives()
    {
        using var repo = new TestModelRepository();
        repo.Publish("m", 1);
        await using var server = await ServingServer.StartAsync(repo);
        repo.WriteInPlace("m", 2, withManifest: false);
        await server.Host.Repository.ScanAsync(Ct);
        Assert.Equal(1, (await server.Models.PredictAsync(Request(), Options)).Version);
        Assert.False(server.Logged(LogLevel.Warning, "version 2 refused"));

        repo.WriteManifest("m", 2);
        await ServingServer.WaitUntilAsync(() => server.Host.Repository.VersionsOf("m").Count == 2, what: "version 2 to load");
        Assert.Equal(2, (await server.Models.PredictAsync(Request(), Options)).Version);
        Assert.Equal(1, await server.MetricAsync("rbp_model_load_events_total{model=\"m\",version=\"2\",event=\"loaded\"}"));
    }

    [Fact]
    public async Task A_whole_model_can_appear_and_disappear_without_restart()
    {
        using var repo = new TestModelRepository();
        repo.Publish("m", 1);
        await using var server = await ServingServer.StartAsync(repo);
        repo.Publish("late", 3);
        await ServingServer.WaitUntilAsync(() => server.Host.Repository.VersionsOf("late").Count == 1, what: "model 'late' to load");
        Assert.Equal(3, (await server.Models.PredictAsync(Request("late"), Options)).Version);
        Directory.Delete(Path.Combine(repo.Root, "late"), recursive: true);
        await ServingServer.WaitUntilAsync(() => server.Host.Repository.VersionsOf("late").Count == 0, what: "model 'late' to unload");
        Assert.Equal(StatusCode.NotFound, (await Assert.ThrowsAsync<RpcException>(() => server.Models.PredictAsync(Request("late"), Options).ResponseAsync)).StatusCode);
        Assert.Single((await server.Models.ListModelsAsync(new ListModelsRequest(), Options)).Models);
    }
}
