using System.Diagnostics;
using System.Text.Json;
using RbpPipeline.InferenceServer.Tests.Support;

namespace RbpPipeline.InferenceServer.Tests;

/// <summary>
/// Real gRPC clients from other ecosystems against our server: every scenario runs once under python3-grpcio
/// and once under @grpc/grpc-js. Each client builds its message types from a descriptor set the test writes.
/// </summary>
public abstract class InteropTests(SharedServer shared)
{
    protected const string NonAsciiDetail = "nicht gefunden – Größe ✓ 100% 日本";

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    protected TestServer Server => shared.Server;

    /// <summary>Runs one scenario of the client script against <paramref name="target"/> and parses its JSON output.</summary>
    protected abstract Task<JsonElement> RunClientAsync(string target, string scenario, params string[] extra);

    private Task<JsonElement> RunAsync(string scenario, params string[] extra) => RunClientAsync(Server.Target, scenario, extra);

    [Fact]
    public async Task Unary_with_ascii_and_binary_metadata_both_ways()
    {
        var r = await RunAsync("unary");
        Assert.Equal("hello", r.GetProperty("message").GetString());
        Assert.StartsWith("ipv4:127.0.0.1:", r.GetProperty("peer").GetString());
        var keys = r.GetProperty("keys").EnumerateArray().Select(k => k.GetString()).ToList();
        Assert.Contains("x-ascii", keys);
        Assert.Contains("x-data-bin", keys);
        Assert.Equal("plain value", r.GetProperty("headers").GetProperty("x-ascii").GetString());
        Assert.Equal("0080ff", r.GetProperty("headers").GetProperty("x-data-bin").GetString());
        Assert.Equal("0080ff", r.GetProperty("trailers").GetProperty("x-data-bin").GetString());
    }

    [Fact]
    public async Task Server_streaming()
    {
        var r = await RunAsync("server_stream");
        Assert.Equal([0, 1, 2, 3, 4, 5], r.GetProperty("indices").EnumerateArray().Select(i => i.GetInt32()));
    }

    [Fact]
    public async Task Client_streaming()
    {
        var r = await RunAsync("client_stream");
        Assert.Equal("a,b,c", r.GetProperty("message").GetString());
        Assert.Equal(3, r.GetProperty("count").GetInt32());
    }

    [Fact]
    public async Task Bidirectional_streaming()
    {
        var r = await RunAsync("bidi");
        Assert.Equal(["m0", "m1", "m2", "m3"], r.GetProperty("messages").EnumerateArray().Select(m => m.GetString()));
    }

    [Fact]
    public async Task Deadline_exceeded()
    {
        var tag = $"deadline-{ClientName}";
        var r = await RunAsync("deadline");
        Assert.Equal("DEADLINE_EXCEEDED", r.GetProperty("code").GetString());
        Assert.True(r.GetProperty("seconds").GetDouble() < 10);
        // On a loaded machine the 300 ms deadline can pass before the request message is read; the server then
        // answers DEADLINE_EXCEEDED without running the handler, which is as correct as cancelling it.
        try
        {
            await Server.Echo.WaitForCancellationAsync(tag, TimeSpan.FromSeconds(10));
        }
        catch (TimeoutException)
        {
            Assert.False(Server.Echo.HandlerStarted(tag), "the handler ran but never observed the deadline's cancellation");
        }
    }

    [Fact]
    public async Task Client_cancellation_reaches_the_handler()
    {
        var r = await RunAsync("cancel");
        Assert.Equal("CANCELLED", r.GetProperty("code").GetString());
        Assert.InRange(r.GetProperty("received").GetInt32(), 2, 50);
        await Server.Echo.WaitForCancellationAsync($"cancel-{ClientName}", TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Error_status_with_a_non_ascii_message()
    {
        var r = await RunAsync("error", NonAsciiDetail);
        Assert.Equal("NOT_FOUND", r.GetProperty("code").GetString());
        Assert.Equal(NonAsciiDetail, r.GetProperty("details").GetString());
    }

    [Fact]
    public async Task Gzip_compressed_requests_and_responses()
    {
        var r = await RunAsync("gzip");
        Assert.Equal(300_000, r.GetProperty("echoed").GetInt32());
        Assert.True(r.GetProperty("same").GetBoolean());
        Assert.Equal([100_000, 100_000, 100_000], r.GetProperty("stream").EnumerateArray().Select(i => i.GetInt32()));
    }

    [Fact]
    public async Task Unknown_method_and_service_are_unimplemented()
    {
        var r = await RunAsync("unimplemented");
        Assert.Equal("UNIMPLEMENTED", r.GetProperty("method").GetProperty("code").GetString());
        Assert.Equal("UNIMPLEMENTED", r.GetProperty("service").GetProperty("code").GetString());
    }

    [Fact]
    public async Task Message_over_the_receive_limit_is_resource_exhausted()
    {
        var r = await RunAsync("too_large");
        Assert.Equal("RESOURCE_EXHAUSTED", r.GetProperty("code").GetString());
        Assert.Equal("after", r.GetProperty("after").GetString());
    }

    [Fact]
    public async Task Health_check_and_watch()
    {
        var r = await RunAsync("health");
        Assert.Equal(Status("SERVING", 1), r.GetProperty("overall").ToString());
        Assert.Equal("NOT_FOUND", r.GetProperty("unknown").GetString());
        Assert.Equal([Status("SERVICE_UNKNOWN", 3), Status("SERVING", 1), Status("NOT_SERVING", 2)],
            r.GetProperty("watch").EnumerateArray().Select(s => s.ToString()));
    }

    [Fact]
    public async Task Reflection_lets_a_generic_client_discover_and_call_the_api()
    {
        var r = await RunAsync("reflection");
        var services = r.GetProperty("services").EnumerateArray().Select(s => s.GetString()).ToList();
        Assert.Contains("rbp.test.echo.v1.EchoService", services);
        Assert.Contains("grpc.health.v1.Health", services);
        Assert.Equal(["echo/v1/echo.proto", "echo/v1/echo_types.proto", "google/protobuf/empty.proto"],
            r.GetProperty("files").EnumerateArray().Select(f => f.GetString()));
        Assert.Equal("reflected", r.GetProperty("reply").GetString());
    }

    protected abstract string ClientName { get; }

    /// <summary>Enum values as each client prints them (Python: numbers, Node: names).</summary>
    protected abstract string Status(string name, int number);

    protected static async Task<JsonElement> ParseAsync(Task<string> output)
    {
        var text = await output;
        var line = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last();
        return JsonDocument.Parse(line).RootElement.Clone();
    }
}

public sealed class PythonInteropTests(SharedServer shared) : InteropTests(shared)
{
    private static readonly Lazy<string> Script = new(() =>
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Interop", "python_client.py")));

    protected override string ClientName => "python";

    protected override string Status(string name, int number) => number.ToString(System.Globalization.CultureInfo.InvariantCulture);

    protected override Task<JsonElement> RunClientAsync(string target, string scenario, params string[] extra)
    {
        if (!File.Exists(PythonOracle.Interpreter)) Assert.Skip($"{PythonOracle.Interpreter} is not installed (./setup.sh installs python3-grpcio)");
        return ParseAsync(PythonOracle.RunAsync(Script.Value, [target, DescriptorSets.Path, scenario, .. extra],
            timeout: TimeSpan.FromSeconds(60), cancellationToken: Ct));
    }

    [Fact]
    public async Task Tls_with_a_self_signed_certificate()
    {
        using var folder = new TempFolder();
        var (certificate, key) = TestCertificates.SelfSignedLocalhostPem();
        File.WriteAllText(folder.File("server.crt"), certificate);
        File.WriteAllText(folder.File("server.key"), key);
        await using var server = await TestServer.StartAsync(o =>
        {
            o.CertificatePath = folder.File("server.crt");
            o.CertificateKeyPath = folder.File("server.key");
        });
        var r = await RunClientAsync(server.Target, "tls", "tls", folder.File("server.crt"));
        Assert.Equal("tls", r.GetProperty("message").GetString());
    }
}

public sealed class NodeInteropTests(SharedServer shared) : InteropTests(shared)
{
    protected override string ClientName => "node";

    protected override string Status(string name, int number) => name;

    protected override async Task<JsonElement> RunClientAsync(string target, string scenario, params string[] extra)
    {
        var modules = Path.Combine(RepoPaths.Root, "node_modules");
        if (!Directory.Exists(Path.Combine(modules, "@grpc", "grpc-js")))
            Assert.Skip($"{modules}/@grpc/grpc-js is missing (./setup.sh runs npm ci)");
        var psi = new ProcessStartInfo("node")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Interop", "node_client.js"));
        foreach (var a in new[] { target, DescriptorSets.Path, scenario }.Concat(extra)) psi.ArgumentList.Add(a);
        psi.Environment["NODE_PATH"] = modules;
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start node");
        var stdout = process.StandardOutput.ReadToEndAsync(Ct);
        var stderr = process.StandardError.ReadToEndAsync(Ct);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"node client failed (exit {process.ExitCode}):\n{await stderr}");
        return await ParseAsync(stdout);
    }
}
