using System.Diagnostics;

namespace RbpPipeline.TestSupport;

/// <summary>
/// Runs Debian's /usr/bin/python3 (torch, onnx, sklearn, scipy, grpcio installed by setup.sh) as an independent
/// oracle. The first python3 on PATH may be another interpreter without those packages, hence the fixed path.
/// </summary>
public static class PythonOracle
{
    public const string Interpreter = "/usr/bin/python3";

    /// <summary>Runs <paramref name="script"/> with the given arguments and returns its standard output.</summary>
    public static async Task<string> RunAsync(string script, IEnumerable<string>? args = null, string? stdin = null,
        TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var psi = new ProcessStartInfo(Interpreter)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(script);
        foreach (var a in args ?? []) psi.ArgumentList.Add(a);
        psi.Environment["OMP_NUM_THREADS"] = "1";
        // Shared oracle helpers (plain_safetensors.py) are importable from every script.
        psi.Environment["PYTHONPATH"] = Path.Combine(RepoPaths.Root, "tests", "TestSupport", "python");
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {Interpreter}");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        if (stdin is not null) await process.StandardInput.WriteAsync(stdin.AsMemory(), cancellationToken);
        process.StandardInput.Close();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout ?? TimeSpan.FromMinutes(5));
        try { await process.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException) { process.Kill(entireProcessTree: true); throw; }
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"python oracle failed (exit {process.ExitCode}):\n{await stderr}");
        return await stdout;
    }
}
