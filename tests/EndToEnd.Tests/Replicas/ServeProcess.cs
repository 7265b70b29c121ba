using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Grpc.Core;
using RbpPipeline.Client;
using RbpPipeline.Contracts.Rbp.V1;

namespace RbpPipeline.EndToEnd.Tests.Replicas;

/// <summary>
/// One `rbp serve` process of the built CLI on a loopback port, as a user starts a replica; disposing stops it
/// (killed if it has not exited) and waits for it.
/// </summary>
public sealed class ServeProcess : IDisposable
{
    private readonly Process _process;
    private bool? _exitedAtDispose;

    private ServeProcess(Process process, int port, int metricsPort)
    {
        _process = process;
        Port = port;
        MetricsPort = metricsPort;
    }

    public int Port { get; }

    public int MetricsPort { get; }

    public string Address => $"http://127.0.0.1:{Port}";

    public bool HasExited => _exitedAtDispose ?? _process.HasExited;


    /// <summary>Starts a replica over <paramref name="repository"/> and waits (at most <paramref name="timeout"/>) until it lists its models.</summary>
    public static async Task<ServeProcess> StartAsync(string repository, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var (port, metricsPort) = (FreePort(), FreePort());
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { RbpCli.Dll, "serve", "--repo", repository, "--port", $"{port}", "--metrics-port", $"{metricsPort}", "--threads", "1", "--no-web" })
            start.ArgumentList.Add(argument);
        var replica = new ServeProcess(Process.Start(start)!, port, metricsPort);
        _ = replica._process.StandardOutput.ReadToEndAsync(cancellationToken);
        _ = replica._process.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            using var connection = ServerConnection.Open(new ServerOptions { Servers = [replica.Address], MaxAttempts = 1 });
            var clock = Stopwatch.StartNew();
            while (true)
            {
                if (replica.HasExited) throw new InvalidOperationException($"rbp serve on port {port} exited with code {replica._process.ExitCode}");
                try
                {
                    var models = await connection.Models.ListModelsAsync(new ListModelsRequest(), deadline: DateTime.UtcNow.AddSeconds(2), cancellationToken: cancellationToken);
                    if (models.Models.Count > 0) return replica;
                }
                catch (RpcException) when (clock.Elapsed < timeout)
                {
                    // Not listening yet.
                }
                if (clock.Elapsed > timeout) throw new TimeoutException($"rbp serve on port {port} did not list models within {timeout}");
                await Task.Delay(200, cancellationToken);
            }
        }
        catch
        {
            replica.Dispose();
            throw;
        }
    }

    /// <summary>Rows this replica predicted so far (its Prometheus counter, summed over models).</summary>
    public async Task<double> PredictedRowsAsync(CancellationToken cancellationToken)
    {
        using var http = new HttpClient();
        var text = await http.GetStringAsync($"http://127.0.0.1:{MetricsPort}/metrics", cancellationToken);
        return text.Split('\n').Where(l => l.StartsWith("rbp_predicted_rows_total", StringComparison.Ordinal))
            .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>SIGKILL, as a crashed or preempted replica goes: no graceful shutdown, connections reset.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit(10_000);
    }

    public void Dispose()
    {
        if (_exitedAtDispose is not null) return;
        if (!_process.HasExited) Kill();
        _exitedAtDispose = _process.HasExited;
        _process.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
