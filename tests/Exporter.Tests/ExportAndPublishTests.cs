using System.Text.Json;
using RbpPipeline.Contracts.Manifests;
using RbpPipeline.Contracts.Storage;
using RbpPipeline.Exporter.Graphs;
using RbpPipeline.Exporter.Parity;
using RbpPipeline.Exporter.Repository;
using RbpPipeline.Onnx.Format;
using RbpPipeline.Trainer.Checkpoints;
using RbpPipeline.Trainer.Networks;

namespace RbpPipeline.Exporter.Tests;

/// <summary>The whole path from a Trainer checkpoint to a published, verified version, and the ways it must refuse.</summary>
public sealed class ExportAndPublishTests(ITestOutputHelper output)
{
    private static ExportResult Export(string checkpoint, ExportOptions options) =>
        ModelExporter.Export(checkpoint, options, TestContext.Current.CancellationToken);

    private static ExportOptions Options(string repo, int? version = null) => new()
    {
        Repository = repo,
        Version = version,
        SyntheticInputs = 4,
        RandomInputs = 4,
        CreatedUtc = TestCheckpoints.FixedTime,
    };

    [Fact]
    public void A_checkpoint_is_published_as_a_complete_verified_version()
    {
        using var temp = new TempFolder();
        var checkpoint = TestCheckpoints.Write(temp.File("ckpt"), "residualbind", InputSet.Structure, tasks: 3);
        var repo = temp.File("models");

        var result = Export(checkpoint.Folder, Options(repo));

        Assert.Equal(1, result.Version);
        var folder = Path.Combine(repo, "test-model", "1");
        Assert.Equal(folder, result.Folder);
        Assert.Equal(["gradient.onnx", "manifest.json", "model.onnx"], Directory.GetFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Empty(Directory.GetDirectories(Path.Combine(repo, "test-model"), ".*"));

        var m = ModelManifestJson.Load(Path.Combine(folder, ModelManifest.FileName));
        Assert.Equal(ManifestKind.Model, m.Kind);
        Assert.Equal(1, m.Version);
        Assert.Equal(checkpoint.Manifest.Tasks, m.Tasks);
        Assert.Equal(checkpoint.Manifest.Encoding, m.Encoding);
        Assert.Equal(checkpoint.Manifest.Metrics, m.Metrics);
        Assert.Equal(["raw", "probability"], m.Outputs.Select(o => o.Name));
        Assert.Equal([-1L, 3], m.Outputs[1].Shape);
        Assert.Equal("raw", m.Gradient!.Output);
        Assert.All(m.Gradient.Spaces.Values, s => Assert.Equal(GradientSpace.Logit, s));
        Assert.InRange(m.Parity!.Forward.MaxAbsDiff, 0, 1e-4);
        Assert.InRange(m.Parity.Gradient!.MaxAbsDiff, 0, 1e-4);
        Assert.Equal(checkpoint.Manifest.Files[Checkpoint.WeightsFile].Sha256, m.Provenance.CheckpointSha256);
        Assert.Equal(TestCheckpoints.Digest, m.Provenance.ConfigSha256);
        Assert.Contains("onnxruntime", m.Provenance.LibraryVersions.Keys);
        foreach (var file in new[] { "model.onnx", "gradient.onnx" })
            Assert.Equal(Sha256.OfFile(Path.Combine(folder, file)), m.Files[file].Sha256);

        // The essentials travel inside both graphs too.
        foreach (var file in new[] { "model.onnx", "gradient.onnx" })
        {
            var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(Path.Combine(folder, file)));
            Assert.Equal(OnnxGraphBuilder.IrVersion, model.IrVersion);
            Assert.Equal(17, model.OpsetImport.Single().Version);
            var meta = model.MetadataProps.ToDictionary(p => p.Key, p => p.Value);
            Assert.Equal("test-model", meta["rbp.model_name"]);
            Assert.Equal("1", meta["rbp.model_version"]);
            Assert.Equal(3, JsonDocument.Parse(meta["rbp.tasks"]).RootElement.GetArrayLength());
            Assert.Equal(checkpoint.Manifest.Encoding.Length, JsonDocument.Parse(meta["rbp.encoding"]).RootElement.GetProperty("length").GetInt32());
            Assert.True(JsonDocument.Parse(meta["rbp.label_transform"]).RootElement.TryGetProperty("task2", out _));
            Assert.Equal("raw", JsonDocument.Parse(meta["rbp.gradient_target"]).RootElement.GetProperty("output").GetString());
        }

        var config = File.ReadAllText(Path.Combine(repo, "test-model", "config.pbtxt"));
        Assert.Contains("platform: \"onnxruntime_onnx\"", config);
        Assert.Contains("max_batch_size: 1024", config);
        Assert.Contains("dynamic_batching", config);
        Assert.Contains("name: \"structure\"\n    data_type: TYPE_FP32\n    dims: [ 5, 24 ]", config);
        Assert.Contains("name: \"probability\"\n    data_type: TYPE_FP32\n    dims: [ 3 ]", config);

        // The next export is version 2; the first one is untouched.
        var second = Export(checkpoint.Folder, Options(repo) with { GradientOf = GradientSpace.Probability });
        Assert.Equal(2, second.Version);
        Assert.Equal("probability", second.Manifest.Gradient!.Output);
        Assert.Equal([1, 2], new ModelRepository(repo).Versions("test-model"));
    }

    [Fact]
    public void Exporting_twice_gives_byte_identical_files()
    {
        using var temp = new TempFolder();
        var checkpoint = TestCheckpoints.Write(temp.File("ckpt"), "ideeps", InputSet.Structure, tasks: 2);

        var a = Export(checkpoint.Folder, Options(temp.File("repo-a")));
        var b = Export(checkpoint.Folder, Options(temp.File("repo-b")));

        foreach (var file in new[] { "model.onnx", "gradient.onnx", "manifest.json" })
            Assert.Equal(File.ReadAllBytes(Path.Combine(a.Folder!, file)), File.ReadAllBytes(Path.Combine(b.Folder!, file)));
        Assert.Equal(File.ReadAllBytes(Path.Combine(temp.File("repo-a"), "test-model", "config.pbtxt")),
            File.ReadAllBytes(Path.Combine(temp.File("repo-b"), "test-model", "config.pbtxt")));
    }

    [Fact]
    public void An_existing_version_is_never_overwritten()
    {
        using var temp = new TempFolder();
        var checkpoint = TestCheckpoints.Write(temp.File("ckpt"));
        var repo = temp.File("models");
        var first = Export(checkpoint.Folder, Options(repo, version: 3));
        var before = Directory.GetFiles(first.Folder!).ToDictionary(f => f, File.ReadAllBytes);

        var e = Assert.Throws<VersionExistsException>(() => Export(checkpoint.Folder, Options(repo, version: 3)));
        Assert.Contains("version 3", e.Message);
        Assert.Contains("immutable", e.Message);
        Assert.All(before, kv => Assert.Equal(kv.Value, File.ReadAllBytes(kv.Key)));

        // Also when the version appears between the check and the rename (another publisher won the race).
        var repository = new ModelRepository(repo);
        var raced = new ModelRepository(repo) { BeforeRename = _ => Directory.CreateDirectory(repository.VersionFolder("test-model", 4)) };
        Assert.Throws<VersionExistsException>(() => raced.Publish("test-model", 4, [("model.onnx", [1, 2, 3])], _ => first.Manifest with { Version = 4 }, null));
        Assert.Empty(Directory.GetFiles(repository.VersionFolder("test-model", 4)));
        Assert.Equal(5, repository.NextVersion("test-model"));
        Assert.Empty(Directory.GetDirectories(repository.ModelFolder("test-model"), ".tmp-*"));
    }

    [Fact]
    public void An_interrupted_publish_leaves_no_visible_version()
    {
        using var temp = new TempFolder();
        var checkpoint = TestCheckpoints.Write(temp.File("ckpt"));
        var repo = temp.File("models");
        string? seen = null;

        var e = Assert.Throws<IOException>(() => Export(checkpoint.Folder, Options(repo) with
        {
            BeforeRename = folder =>
            {
                seen = folder;
                Assert.True(File.Exists(Path.Combine(folder, "manifest.json"))); // everything written, not yet renamed
                throw new IOException("simulated crash before the rename");
            },
        }));
        Assert.Contains("simulated crash", e.Message);
        Assert.NotNull(seen);
        Assert.False(Directory.Exists(seen));
        var repository = new ModelRepository(repo);
        Assert.Empty(repository.Versions("test-model"));

        // A real crash leaves its temporary folder behind: invisible to readers, and removed once stale.
        var leftover = Path.Combine(repository.ModelFolder("test-model"), ".tmp-0123456789abcdef");
        Directory.CreateDirectory(leftover);
        File.WriteAllBytes(Path.Combine(leftover, "model.onnx"), [1, 2, 3]);
        Directory.SetLastWriteTimeUtc(leftover, DateTime.UtcNow.AddHours(-2));
        Assert.Empty(repository.Versions("test-model"));
        Assert.Equal(1, repository.NextVersion("test-model"));

        var published = Export(checkpoint.Folder, Options(repo));
        Assert.Equal(1, published.Version);
        Assert.False(Directory.Exists(leftover));
    }

    [Theory]
    [InlineData(1.01f)]
    [InlineData(1.001f)]
    public void The_gate_refuses_tampered_weights_and_publishes_nothing(float factor)
    {
        using var temp = new TempFolder();
        var checkpoint = TestCheckpoints.Write(temp.File("ckpt"), "residualbind");
        var repo = temp.File("models");

        // The ONNX graphs are written from weights 1 % (0.1 %) larger in the first convolution; the gate compares with
        // the checkpoint's network.
        var e = Assert.Throws<ParityException>(() => Export(checkpoint.Folder, Options(repo) with
        {
            TransformWeights = w =>
            {
                var t = w.Tensors["conv1.weight"];
                return w.With("conv1.weight", t with { Data = [.. t.Data.Select(v => v * factor)] });
            },
        }));
        output.WriteLine(e.Outcome.Describe());
        Assert.False(e.Outcome.Passed);
        Assert.True(e.Message.Contains("FAIL model.onnx raw", StringComparison.Ordinal), e.Message);
        Assert.Contains("FAIL gradient.onnx grad_sequence", e.Message);
        Assert.Contains("tolerance", e.Message);
        Assert.False(Directory.Exists(Path.Combine(repo, "test-model")) && new ModelRepository(repo).Versions("test-model").Count > 0);
    }

    [Fact]
    public void The_gate_refuses_corrupted_initializer_bytes_in_the_gradient_graph()
    {
        using var temp = new TempFolder();
        var checkpoint = TestCheckpoints.Write(temp.File("ckpt"), "deepripe", tasks: 2);
        var repo = temp.File("models");

        var e = Assert.Throws<ParityException>(() => Export(checkpoint.Folder, Options(repo) with
        {
            TransformGraphs = g =>
            {
                var model = ModelProto.Parser.ParseFrom(g.Gradient);
                // The flipped kernel only the backward pass reads: predictions stay right, gradients go wrong.
                var init = model.Graph.Initializer.First(i => i.Name == "seq_conv.weight_flipped");
                var bytes = init.RawData.ToByteArray();
                bytes[3] ^= 0x40;
                init.RawData = Google.Protobuf.ByteString.CopyFrom(bytes);
                return g with { Gradient = Google.Protobuf.MessageExtensions.ToByteArray(model) };
            },
        }));
        var failed = e.Outcome.Comparisons.Where(c => !c.Passed).Select(c => $"{c.Graph} {c.Tensor}").ToList();
        Assert.Equal(["gradient.onnx grad_sequence"], failed);
        Assert.Empty(new ModelRepository(repo).Versions("test-model"));
    }

    /// <summary>A layer type the exporter has never heard of.</summary>
    private sealed record MysteryNode : GraphNode
    {
        public override string Op => "Mystery";

        public override long[] InferShape(IReadOnlyList<long[]> inputs) => inputs[0];
    }

    [Fact]
    public void An_unknown_layer_fails_the_export_naming_it()
    {
        var b = new GraphBuilder();
        var x = b.Input(new NetworkInput("sequence", 4, 12));
        x = b.Conv1d(x, "conv", 4, 3, ConvPadding.Same);
        x = b.Add(new MysteryNode(), "enigma", x);
        x = b.Linear(b.Flatten(x), "out", 1);
        var graph = b.Build(x, "logits");

        var e = Assert.Throws<ExportException>(() => OnnxExport.Build(graph, new WeightSet(new Dictionary<string, WeightTensor>()),
            new OnnxExportSpec { Tasks = TestNetworks.Tasks(1, TaskType.Binary) }));
        Assert.Contains("'enigma'", e.Message);
        Assert.Contains("Mystery", e.Message);
    }

    [Fact]
    public void A_corrupt_checkpoint_is_rejected_before_anything_is_exported()
    {
        using var temp = new TempFolder();
        var checkpoint = TestCheckpoints.Write(temp.File("ckpt"));
        var weights = Path.Combine(checkpoint.Folder, Checkpoint.WeightsFile);
        var bytes = File.ReadAllBytes(weights);
        bytes[^2] ^= 0x10;
        File.WriteAllBytes(weights, bytes);

        var e = Assert.Throws<CheckpointException>(() => Export(checkpoint.Folder, Options(temp.File("models"))));
        Assert.Contains("SHA-256", e.Message);
        Assert.False(Directory.Exists(temp.File("models")));
    }
}
