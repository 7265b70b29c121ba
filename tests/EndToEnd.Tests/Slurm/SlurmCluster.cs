using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace RbpPipeline.EndToEnd.Tests.Slurm;

/// <summary>
/// A throwaway Slurm cluster on this machine: its own munged (key and socket in a temp folder), one slurmctld and
/// two slurmd nodes (n1, n2) on free loopback ports, no cgroups (proctrack/linuxproc, task/none). Each daemon runs
/// in the foreground in its own process group, so that disposing kills it together with the job steps it started.
/// <see cref="StartAsync"/> skips the test, saying why, where the Slurm or munge daemons are not installed.
/// </summary>
public sealed class SlurmCluster : IAsyncDisposable
{
    private static readonly string[] Daemons = ["munged", "slurmctld", "slurmd", "sbatch", "squeue", "scancel"];
    private readonly List<Process> _daemons = [];
    private readonly TempFolder _folder = new("rbp-slurm");

    private SlurmCluster() { }

    /// <summary>slurm.conf; every Slurm command needs it in SLURM_CONF.</summary>
    public string ConfigFile => _folder.File("slurm.conf");

    /// <summary>The process ids of the daemons (to check that they are gone after disposal).</summary>
    public IReadOnlyList<int> ProcessIds => [.. _daemons.Select(p => p.Id)];

    public static async Task<SlurmCluster> StartAsync(ITestOutputHelper output, CancellationToken ct)
    {
        var missing = Daemons.Where(d => Which(d) is null).ToList();
        if (missing.Count > 0)
            Assert.Skip($"Slurm is not installed here ({string.Join(", ", missing)} not found): ./setup.sh installs slurmctld, slurmd, slurm-client and munge from apt");
        var cluster = new SlurmCluster();
        try
        {
            await cluster.StartDaemonsAsync(output, ct);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    private async Task StartDaemonsAsync(ITestOutputHelper output, CancellationToken ct)
    {
        if (OperatingSystem.IsWindows()) throw new PlatformNotSupportedException("the Slurm test cluster needs Unix file modes");
        var dir = _folder.Path;
        Directory.CreateDirectory(_folder.File("munge"));
        File.SetUnixFileMode(_folder.File("munge"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                                                    | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        var key = _folder.File("munge/munge.key");
        await File.WriteAllBytesAsync(key, System.Security.Cryptography.RandomNumberGenerator.GetBytes(1024), ct);
        File.SetUnixFileMode(key, UnixFileMode.UserRead);
        var socket = _folder.File("munge/munge.sock");
        Start("munged", "--foreground", "--force", $"--socket={socket}", $"--key-file={key}", $"--log-file={_folder.File("munge/munged.log")}",
              $"--pid-file={_folder.File("munge/munged.pid")}", $"--seed-file={_folder.File("munge/seed")}");
        await WaitForAsync(() => File.Exists(socket), TimeSpan.FromSeconds(20), "munged to create its socket", ct);

        int[] ports = [FreePort(), FreePort(), FreePort()];
        foreach (var d in new[] { "state", "spool-n1", "spool-n2", "log" }) Directory.CreateDirectory(_folder.File(d));
        // Each node has one CPU, so a three-task array really is spread over both nodes and queues one task.
        await File.WriteAllTextAsync(ConfigFile, $"""
            ClusterName=rbptest
            SlurmctldHost=localhost
            SlurmctldPort={ports[0]}
            SlurmUser=root
            AuthType=auth/munge
            AuthInfo=socket={socket}
            CredType=cred/munge
            StateSaveLocation={dir}/state
            SlurmdSpoolDir={dir}/spool-%n
            SlurmctldPidFile={dir}/slurmctld.pid
            SlurmdPidFile={dir}/slurmd-%n.pid
            SlurmctldLogFile={dir}/log/slurmctld.log
            SlurmdLogFile={dir}/log/slurmd-%n.log
            ProctrackType=proctrack/linuxproc
            TaskPlugin=task/none
            JobAcctGatherType=jobacct_gather/none
            SelectType=select/cons_tres
            SelectTypeParameters=CR_Core
            ReturnToService=2
            MpiDefault=none
            SwitchType=switch/none
            NodeName=n1 NodeAddr=127.0.0.1 Port={ports[1]} CPUs=1 RealMemory=4000 State=UNKNOWN
            NodeName=n2 NodeAddr=127.0.0.1 Port={ports[2]} CPUs=1 RealMemory=4000 State=UNKNOWN
            PartitionName=debug Nodes=n1,n2 Default=YES MaxTime=INFINITE State=UP

            """, ct);
        Start("slurmctld", "-D", "-f", ConfigFile);
        Start("slurmd", "-D", "-N", "n1", "-f", ConfigFile);
        Start("slurmd", "-D", "-N", "n2", "-f", ConfigFile);
        await WaitForAsync(async () =>
        {
            var (code, stdout, _) = await RunAsync("sinfo", ["-h", "-N", "-o", "%N %t"], ct);
            return code == 0 && stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Count(l => l.EndsWith(" idle", StringComparison.Ordinal)) == 2;
        }, TimeSpan.FromSeconds(60), "both nodes to be idle", ct);
        output.WriteLine($"slurm cluster up: {ConfigFile}");
    }

    /// <summary>Runs a Slurm client command against this cluster.</summary>
    public async Task<(int Code, string Stdout, string Stderr)> RunAsync(string program, IReadOnlyList<string> arguments, CancellationToken ct)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in arguments) start.ArgumentList.Add(a);
        start.Environment["SLURM_CONF"] = ConfigFile;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Waits (bounded) until no job of this cluster is pending or running.</summary>
    public Task WaitUntilIdleAsync(TimeSpan limit, CancellationToken ct) =>
        WaitForAsync(async () =>
        {
            var (code, stdout, _) = await RunAsync("squeue", ["-h", "-o", "%i"], ct);
            return code == 0 && stdout.Trim().Length == 0;
        }, limit, "the job queue to empty", ct);

    public string Logs()
    {
        var logs = Directory.EnumerateFiles(_folder.File("log")).Append(_folder.File("munge/munged.log")).Where(File.Exists);
        return string.Join("\n", logs.Select(f => $"== {f}\n{string.Join('\n', File.ReadLines(f).TakeLast(20))}"));
    }

    private void Start(string daemon, params string[] arguments)
    {
        // setsid: the daemon leads its own process group, which also holds the slurmstepd processes of its jobs.
        var start = new ProcessStartInfo("setsid") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Which(daemon)!);
        foreach (var a in arguments) start.ArgumentList.Add(a);
        start.Environment["SLURM_CONF"] = ConfigFile;
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _daemons.Add(process);
    }

    public async ValueTask DisposeAsync()
    {
        // Slurm daemons first (they talk to munged while stopping), each group TERM, then KILL what is left.
        foreach (var signal in new[] { "TERM", "KILL" })
        {
            foreach (var process in Enumerable.Reverse(_daemons).Where(p => !p.HasExited))
            {
                using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { $"-{signal}", "--", $"-{process.Id}" }, RedirectStandardError = true })!;
                await kill.WaitForExitAsync();
            }
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try { await Task.WhenAll(_daemons.Select(p => p.WaitForExitAsync(deadline.Token))); break; }
            catch (OperationCanceledException) { }
        }
        foreach (var process in _daemons) process.Dispose();
        _folder.Dispose();
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition, TimeSpan limit, string what, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > limit) throw new TimeoutException($"gave up after {limit.TotalSeconds:F0} s waiting for {what}");
            await Task.Delay(250, ct);
        }
    }

    private static Task WaitForAsync(Func<bool> condition, TimeSpan limit, string what, CancellationToken ct) =>
        WaitForAsync(() => Task.FromResult(condition()), limit, what, ct);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string? Which(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Concat(["/usr/sbin", "/sbin"])
            .Select(d => Path.Combine(d, program)).FirstOrDefault(File.Exists);
}
