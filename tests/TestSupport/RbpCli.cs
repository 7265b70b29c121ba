using System.Diagnostics;

namespace RbpPipeline.TestSupport;

/// <summary>The <c>rbp</c> CLI that ./setup.sh builds, run as its own process, as a user runs it.</summary>
public static class RbpCli
{
    /// <summary>What one run ended with.</summary>
    public sealed record Result(int Code, string Stdout, string Stderr);

    /// <summary>src/Cli's Release build; a missing build fails the test with the command that makes it.</summary>
    public static string Dll
    {
        get
        {
            var cli = Path.Combine(RepoPaths.Root, "src", "Cli", "bin", "Release", "net10.0", "rbp.dll");
            Assert.True(File.Exists(cli), $"{cli} is not built (run ./setup.sh)");
            return cli;
        }
    }

    /// <summary>Runs <c>rbp arguments…</c> to its end; past <paramref name="timeout"/> the process tree is killed.</summary>
    public static async Task<Result> RunAsync(IEnumerable<string> arguments, string? workingDirectory = null,
        IReadOnlyDictionary<string, string>? environment = null, TimeSpan? timeout = null,
        CancellationToken cancellationToken = default)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
        if (workingDirectory is not null) start.WorkingDirectory = workingDirectory;
        start.ArgumentList.Add(Dll);
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (timeout is { } t) limit.CancelAfter(t);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
        return new Result(process.ExitCode, await stdout, await stderr);
    }
}
