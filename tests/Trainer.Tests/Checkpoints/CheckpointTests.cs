using System.Text.Json;
using RbpPipeline.Contracts.Manifests;
using RbpPipeline.Trainer.Checkpoints;
using RbpPipeline.Trainer.Tests.Training;
using RbpPipeline.Trainer.Training;

namespace RbpPipeline.Trainer.Tests.Checkpoints;

[Collection(TorchCollection.Name)]
public sealed class CheckpointTests
{
    private static readonly string Digest = new('a', 64);

    private static (TrainingData Data, TrainingOutcome Outcome) Trained()
    {
        var data = TrainingData.Rnacompete(count: 400);
        var options = new TrainingOptions { Epochs = 1, BatchSize = 32, Loss = LossKind.Mse, Monitor = "pearson", Threads = 1 };
        return (data, Run.Train(data.Request(options)));
    }

    private static CheckpointDescription Describe(TrainingData data) => new()
    {
        Name = "tiny-rnc",
        Architecture = TinyCnnArchitecture.ArchitectureName,
        Hyperparameters = new TinyCnnArchitecture().DefaultHyperparameters,
        Tasks = data.Tasks,
        Encoding = data.Encoding,
        Metrics = [new MetricValue { Split = "test", Name = "pearson", Value = 0.5 }],
        ConfigSha256 = Digest,
        DataSha256 = new Dictionary<string, string> { ["train"] = Digest },
        Seed = 1,
        Training = JsonSerializer.SerializeToElement(new { epochs = 1 }),
    };

    [Fact]
    public void A_checkpoint_round_trip_reproduces_the_predictions_exactly()
    {
        var (data, outcome) = Trained();
        using var _ = outcome;
        using var folder = new TempFolder();

        Checkpoint.Write(folder.Path, outcome.Network, Describe(data));
        var checkpoint = Checkpoint.Open(folder.Path);
        using var restored = checkpoint.CreateNetwork(new TinyCnnArchitecture());

        Assert.Equal(Evaluation.Predict(outcome.Network, data.Test), Evaluation.Predict(restored, data.Test));
        var m = checkpoint.Manifest;
        Assert.Equal(ManifestKind.Checkpoint, m.Kind);
        Assert.Equal(data.Encoding, m.Encoding);
        Assert.Equal(data.Tasks[0].LabelTransform, m.Tasks[0].LabelTransform);
        Assert.Equal(2, m.Tasks[0].LabelTransform.Steps.Count); // clip, zscore: fitted on the training split
        Assert.Equal([Checkpoint.TrainingFile, Checkpoint.WeightsFile], m.Files.Keys.Order(StringComparer.Ordinal));
        Assert.StartsWith("2.10", m.Provenance.LibraryVersions["libtorch"], StringComparison.Ordinal);
        Assert.StartsWith("0.107", m.Provenance.LibraryVersions["torchsharp"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task PyTorch_reads_the_weights_file_as_the_state_dict()
    {
        var (data, outcome) = Trained();
        using var _ = outcome;
        using var folder = new TempFolder();
        Checkpoint.Write(folder.Path, outcome.Network, Describe(data));

        // Python parses the safetensors header and data itself (numpy + torch; the safetensors package is not
        // installed) and answers each tensor's dtype, shape and float64 sum.
        const string script = """
            import json, sys
            from plain_safetensors import read
            tensors, _ = read(sys.argv[1])
            print(json.dumps({k: [str(v.dtype), list(v.shape), float(v.double().sum())] for k, v in tensors.items()}))
            """;
        var answer = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(
            await PythonOracle.RunAsync(script, [Path.Combine(folder.Path, Checkpoint.WeightsFile)], cancellationToken: TestContext.Current.CancellationToken))!;
        var state = outcome.Network.Module.state_dict();
        Assert.Equal(state.Keys.Order(StringComparer.Ordinal), answer.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, t) in state)
        {
            var (dtype, shape, sum) = (answer[name][0].GetString(), answer[name][1].Deserialize<long[]>()!, answer[name][2].GetDouble());
            Assert.Equal(t.dtype == TorchSharp.torch.ScalarType.Int64 ? "torch.int64" : "torch.float32", dtype);
            Assert.Equal(t.shape, shape);
            Assert.Equal(t.to_type(TorchSharp.torch.ScalarType.Float64).sum().item<double>(), sum, 1e-9);
        }
    }

    [Fact]
    public void A_changed_weights_file_is_rejected_naming_the_digest_mismatch()
    {
        var (data, outcome) = Trained();
        using var _ = outcome;
        using var folder = new TempFolder();
        Checkpoint.Write(folder.Path, outcome.Network, Describe(data));
        var weights = Path.Combine(folder.Path, Checkpoint.WeightsFile);
        var bytes = File.ReadAllBytes(weights);
        bytes[^3] ^= 0x40;
        File.WriteAllBytes(weights, bytes);

        var e = Assert.Throws<CheckpointException>(() => Checkpoint.Open(folder.Path));
        Assert.Contains("corrupt", e.Message);
        Assert.Contains("SHA-256", e.Message);
        Assert.Contains(Checkpoint.WeightsFile, e.Message);
    }

    [Fact]
    public void A_partial_checkpoint_is_rejected()
    {
        var (data, outcome) = Trained();
        using var _ = outcome;
        using var folder = new TempFolder();
        Checkpoint.Write(folder.Path, outcome.Network, Describe(data));

        // Truncated weights: the size no longer matches.
        var weights = Path.Combine(folder.Path, Checkpoint.WeightsFile);
        var bytes = File.ReadAllBytes(weights);
        File.WriteAllBytes(weights, bytes[..100]);
        var truncated = Assert.Throws<CheckpointException>(() => Checkpoint.Open(folder.Path));
        Assert.Contains("bytes", truncated.Message);

        // No manifest: the write never finished.
        File.Delete(Path.Combine(folder.Path, ModelManifest.FileName));
        var missing = Assert.Throws<CheckpointException>(() => Checkpoint.Open(folder.Path));
        Assert.Contains("not a complete checkpoint", missing.Message);

        // A manifest cut in half.
        using var other = new TempFolder();
        Checkpoint.Write(other.Path, outcome.Network, Describe(data));
        var manifest = Path.Combine(other.Path, ModelManifest.FileName);
        File.WriteAllText(manifest, File.ReadAllText(manifest)[..200]);
        var torn = Assert.Throws<CheckpointException>(() => Checkpoint.Open(other.Path));
        Assert.Contains(manifest, torn.Message);
    }

    [Fact]
    public void Writing_leaves_only_the_checkpoint_files()
    {
        var (data, outcome) = Trained();
        using var _ = outcome;
        using var folder = new TempFolder();

        Checkpoint.Write(folder.Path, outcome.Network, Describe(data));
        Checkpoint.Write(folder.Path, outcome.Network, Describe(data)); // overwriting in place is fine too

        var names = Directory.GetFiles(folder.Path).Select(p => Path.GetFileName(p)).Order(StringComparer.Ordinal);
        Assert.Equal(new[] { ModelManifest.FileName, Checkpoint.TrainingFile, Checkpoint.WeightsFile }.Order(StringComparer.Ordinal), names);
    }
}
