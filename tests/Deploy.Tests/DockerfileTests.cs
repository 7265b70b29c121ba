using System.Text.Json;
using RbpPipeline.Deploy.Tests.Helm;

namespace RbpPipeline.Deploy.Tests;

/// <summary>
/// deploy/docker/Dockerfile cannot be built here (no registry is reachable), so what can be read from it is
/// checked: the official .NET images, a non-root final user, and defaults that agree with the chart's.
/// </summary>
public sealed class DockerfileTests
{
    private static readonly string DockerfilePath = Path.Combine(RepoPaths.Root, "deploy", "docker", "Dockerfile");

    // Instruction lines (continuations joined), comments dropped.
    private static readonly List<(string Instruction, string Arguments)> Lines = ReadInstructions();

    private readonly ValuesFile _values = ValuesFile.ChartDefaults();

    [Fact]
    public void BuildsWithTheSdkImageAndRunsOnTheAspNetRuntimeImage()
    {
        var from = Lines.Where(l => l.Instruction == "FROM").Select(l => l.Arguments).ToList();
        Assert.Equal(2, from.Count);
        Assert.Equal("mcr.microsoft.com/dotnet/sdk:${DOTNET_VERSION} AS build", from[0]);
        Assert.Equal("mcr.microsoft.com/dotnet/aspnet:${DOTNET_VERSION}", from[1]);
        Assert.Contains(("ARG", "DOTNET_VERSION=10.0"), Lines);
        Assert.Contains(Lines, l => l.Instruction == "RUN" && l.Arguments.StartsWith("dotnet publish src/Cli/", StringComparison.Ordinal));
    }

    [Fact]
    public void TheFinalStageRunsAsTheImagesNonRootUser()
    {
        var finalStage = Lines.Skip(Lines.FindLastIndex(l => l.Instruction == "FROM")).ToList();
        // APP_UID is the .NET images' `app` user, 1654: the UID the chart's securityContext runs as.
        Assert.Equal("$APP_UID", Assert.Single(finalStage, l => l.Instruction == "USER").Arguments);
        Assert.Equal(1654, _values.Int("podSecurityContext.runAsUser"));
        Assert.DoesNotContain(finalStage, l => l.Instruction == "RUN"); // nothing installed or written in the runtime image
    }

    [Fact]
    public void DefaultsAgreeWithTheChart()
    {
        var entrypoint = JsonArray("ENTRYPOINT");
        var command = JsonArray("CMD");
        Assert.Equal(["dotnet", "/app/rbp.dll"], entrypoint);
        Assert.Equal("serve", command[0]);
        Assert.Equal(_values.String("modelRepository.mountPath"), After(command, "--repo"));
        Assert.Equal(_values.String("server.grpcPort"), After(command, "--port"));
        Assert.Equal(_values.String("server.metricsPort"), After(command, "--metrics-port"));
        Assert.Equal($"{_values.String("server.grpcPort")} {_values.String("server.metricsPort")}",
            Assert.Single(Lines, l => l.Instruction == "EXPOSE").Arguments);
    }

    [Fact]
    public void TheBuildContextLeavesLocalBuildOutputsOut()
    {
        var ignored = File.ReadAllLines(DockerfilePath + ".dockerignore").Where(l => l.Length > 0 && !l.StartsWith('#')).ToHashSet();
        Assert.Superset(new HashSet<string> { "**/bin", "**/obj", "node_modules", "build", ".git" }, ignored);
    }

    private static string[] JsonArray(string instruction) =>
        JsonSerializer.Deserialize<string[]>(Assert.Single(Lines, l => l.Instruction == instruction).Arguments)
        ?? throw new InvalidOperationException($"{instruction} is not a JSON array");

    private static string After(string[] args, string option)
    {
        var at = Array.IndexOf(args, option);
        Assert.True(at >= 0 && at + 1 < args.Length, $"{option} missing from {string.Join(' ', args)}");
        return args[at + 1];
    }

    private static List<(string, string)> ReadInstructions()
    {
        var lines = new List<(string, string)>();
        var pending = "";
        foreach (var raw in File.ReadAllLines(DockerfilePath))
        {
            var line = raw.Trim();
            if (line.StartsWith('#') || line.Length == 0) continue;
            pending = pending.Length == 0 ? line : $"{pending} {line}";
            if (pending.EndsWith('\\')) { pending = pending[..^1].TrimEnd(); continue; }
            var space = pending.IndexOf(' ');
            lines.Add((pending[..space].ToUpperInvariant(), pending[(space + 1)..].Trim()));
            pending = "";
        }
        return lines;
    }
}
