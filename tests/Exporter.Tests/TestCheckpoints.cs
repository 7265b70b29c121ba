using System.Text.Json;
using RbpPipeline.Contracts.Manifests;
using RbpPipeline.Trainer.Checkpoints;
using RbpPipeline.Trainer.Networks;

namespace RbpPipeline.Exporter.Tests;

/// <summary>Checkpoints written through the Trainer's own <see cref="Checkpoint.Write"/>, from small random networks.</summary>
public static class TestCheckpoints
{
    public static readonly string Digest = new('a', 64);

    public static readonly DateTimeOffset FixedTime = new(2025, 1, 2, 3, 4, 5, TimeSpan.Zero);

    /// <summary>Writes a checkpoint of a small <paramref name="architecture"/> network to <paramref name="folder"/>.</summary>
    public static Checkpoint Write(string folder, string architecture = "residualbind", InputSet inputs = InputSet.Sequence, int tasks = 1,
        TaskType type = TaskType.Binary, string name = "test-model", long seed = 7)
    {
        var shape = TestNetworks.Shape(architecture, inputs, tasks);
        if (shape.Inputs.Any(i => i.Length != shape.Inputs[0].Length))
            shape = shape with { Inputs = [.. shape.Inputs.Select(i => i with { Length = shape.Inputs[0].Length })] };
        var overrides = TestNetworks.Small(architecture);
        using var network = TestNetworks.Create(architecture, shape, overrides, seed);
        var hp = new Dictionary<string, JsonElement>(Architectures.Get(architecture).DefaultHyperparameters);
        foreach (var (k, v) in overrides) hp[k] = v;
        return Checkpoint.Write(folder, network, new CheckpointDescription
        {
            Name = name,
            Architecture = architecture,
            Hyperparameters = hp,
            Tasks = TestNetworks.Tasks(tasks, type),
            Encoding = TestNetworks.Encoding(shape),
            Metrics = [new MetricValue { Split = "test", Name = "auroc", Value = 0.75 }],
            ConfigSha256 = Digest,
            DataSha256 = new Dictionary<string, string> { ["train.fa.gz"] = Digest },
            Seed = 1,
        });
    }
}
