using RbpPipeline.Deploy.Tests.Helm;

namespace RbpPipeline.Deploy.Tests;

/// <summary>
/// <c>helm lint --strict</c> of the chart, and the render-time refusals of settings that cannot work (values.schema.json
/// for types and ranges, the templates' checks for settings that contradict each other).
/// </summary>
public sealed class ChartLintTests
{
    [Theory]
    [InlineData(null)]
    [InlineData("secured.yaml")]
    public async Task LintStrictPasses(string? valuesFile)
    {
        string[] args = valuesFile is null
            ? ["lint", "--strict", HelmCli.ChartPath]
            : ["lint", "--strict", HelmCli.ChartPath, "--values", HelmCli.ValuesFile(valuesFile)];
        var result = await HelmCli.RunAsync(args);
        Assert.True(result.ExitCode == 0, $"helm lint --strict failed ({result.ExitCode}):\n{result.StandardOutput}\n{result.StandardError}");
        Assert.Contains("0 chart(s) failed", result.StandardOutput);
    }

    [Theory]
    [InlineData("modelRepository.existingClaim=", "modelRepository.existingClaim: name the PersistentVolumeClaim")]
    [InlineData("tls.enabled=true", "tls.secretName: tls.enabled is true")]
    [InlineData("auth.enabled=true", "auth.secretName: auth.enabled is true")]
    [InlineData("tls.enabled=true,tls.secretName=t,tls.probeMode=tls", "tls.probeMode: \"tls\" is not a gRPC probe mode")]
    [InlineData("server.metricsPort=50051", "server.metricsPort: 50051 is also server.grpcPort")]
    [InlineData("drain.terminationGracePeriodSeconds=35", "drain.terminationGracePeriodSeconds: 35 is shorter than drain.preStopSleepSeconds + drain.serverDrainSeconds = 40")]
    [InlineData("probes.liveness.failureThreshold=3", "probes.liveness: periodSeconds x failureThreshold = 30 is shorter than drain.terminationGracePeriodSeconds = 60")]
    [InlineData("server.grpcPort=abc", "at '/server/grpcPort': got string, want integer")] // values.schema.json
    [InlineData("modelRepository.mountPath=models", "at '/modelRepository/mountPath': 'models' does not match pattern '^/'")]
    [InlineData("autoscaling.minReplicas=12", "autoscaling.minReplicas: 12 is above autoscaling.maxReplicas = 10")]
    public async Task ContradictorySettingsAreRefusedNamingTheValue(string set, string message)
    {
        var result = await HelmCli.RunAsync("template", "rbp-server", HelmCli.ChartPath, "--set", set);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(message, result.StandardError);
    }
}
