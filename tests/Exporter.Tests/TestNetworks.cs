using System.Text.Json;
using RbpPipeline.Contracts.Manifests;
using RbpPipeline.Contracts.SequenceEncoding;
using RbpPipeline.Trainer.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace RbpPipeline.Exporter.Tests;

/// <summary>Which inputs a test network takes besides the sequence.</summary>
public enum InputSet { Sequence, Region, Structure }

/// <summary>Small random instances of the five architectures, with non-trivial BatchNorm statistics.</summary>
public static class TestNetworks
{
    public const int RegionChannels = 5;
    public const int StructureChannels = 5;

    /// <summary>Hyperparameter overrides that keep each architecture small enough for a quick test.</summary>
    public static IReadOnlyDictionary<string, JsonElement> Small(string architecture, string? variant = null)
    {
        var hp = architecture switch
        {
            "residualbind" => new Dictionary<string, object> { ["filters"] = 8, ["kernel"] = 5, ["dense"] = 16, ["pool"] = 4 },
            "multiresbind" => new Dictionary<string, object> { ["filters"] = 8, ["kernel"] = 5, ["dense"] = 16, ["pool"] = 4 },
            "ideeps" => new Dictionary<string, object> { ["filters"] = 6, ["kernel"] = 5, ["pool"] = 2, ["lstm_hidden"] = 5, ["dense"] = 8 },
            "deepripe" => new Dictionary<string, object>
            {
                ["filters"] = 6, ["kernel"] = 5, ["pool"] = 2, ["region_filters"] = 6, ["region_kernel"] = 5, ["region_pool"] = 2,
                ["mt_filters"] = 6, ["mt_kernel"] = 3, ["mt_pool"] = 2, ["gru_hidden"] = 5, ["dense"] = 8,
            },
            "rbpadda" => new Dictionary<string, object> { ["conv_filters"] = 4, ["dense1"] = 16, ["features"] = 8, ["predictor_hidden"] = 6 },
            _ => throw new ArgumentException(architecture),
        };
        switch (variant)
        {
            case "gru": hp["multitask"] = "gru"; break;
            case "gru-sequence": hp["multitask"] = "gru"; hp["gru_output"] = "sequence"; break;
            case "lstm-sequence": hp["lstm_output"] = "sequence"; break;
            case "lstm-2layers": hp["lstm_layers"] = 2; break;
            case "lstm-unidirectional": hp["bidirectional"] = false; break;
            case null: break;
            default: throw new ArgumentException(variant);
        }
        return hp.ToDictionary(kv => kv.Key, kv => JsonSerializer.SerializeToElement(kv.Value));
    }

    public static int Length(string architecture) => architecture switch
    {
        "residualbind" or "multiresbind" => 24,
        "ideeps" => 20,
        "deepripe" => 24,
        _ => 14,
    };

    public static NetworkShape Shape(string architecture, InputSet inputs, int tasks)
    {
        var length = Length(architecture);
        List<NetworkInput> list = [new("sequence", 4, length)];
        if (inputs == InputSet.Region) list.Add(new("region", RegionChannels, architecture == "deepripe" ? length + 8 : length));
        if (inputs == InputSet.Structure) list.Add(new("structure", StructureChannels, length));
        return new NetworkShape(list, tasks);
    }

    public static IReadOnlyList<TaskInfo> Tasks(int count, TaskType type) =>
        [.. Enumerable.Range(0, count).Select(i => new TaskInfo { Name = $"task{i}", Type = type })];

    /// <summary>A freshly initialised network (seeded) in eval mode, with random BatchNorm affine parameters and running statistics.</summary>
    public static INetwork Create(string architecture, NetworkShape shape, IReadOnlyDictionary<string, JsonElement> hp, long seed = 7)
    {
        manual_seed(seed);
        var network = Architectures.Get(architecture).Create(shape, hp);
        RandomiseBatchNorm(network);
        network.Module.eval();
        return network;
    }

    /// <summary>Gives every BatchNorm a random γ, β, running mean and running variance, so folding is really exercised.</summary>
    public static void RandomiseBatchNorm(INetwork network)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        foreach (var node in network.Graph.Nodes.OfType<BatchNormNode>())
        {
            var state = network.Module.state_dict();
            var c = new long[] { node.Features };
            state[$"{node.Name}.weight"].copy_(rand(c) + 0.5);
            state[$"{node.Name}.bias"].copy_(randn(c) * 0.3);
            state[$"{node.Name}.running_mean"].copy_(randn(c) * 0.5);
            state[$"{node.Name}.running_var"].copy_(rand(c) * 1.5 + 0.5);
        }
    }

    /// <summary>An encoding whose inputs match <paramref name="shape"/> (region: categorical, structure: profile).</summary>
    public static EncodingSpec Encoding(NetworkShape shape)
    {
        var length = shape.Inputs[0].Length;
        var tracks = new List<TrackSpec>();
        foreach (var input in shape.Inputs.Skip(1))
        {
            if (input.Length != length) throw new ArgumentException("an encoding gives every input the sequence's length");
            tracks.Add(input.Name == "region"
                ? CategoricalTrackSpec.OneHot("region", "IE53N")
                : new ProfileTrackSpec { Name = input.Name, Channels = ["P", "H", "I", "M", "E"] });
        }
        return new EncodingSpec { Length = length, LengthPolicy = LengthPolicy.Centre, Tracks = tracks };
    }
}
