using System.Text.Json;
using Google.Protobuf;
using RbpPipeline.Contracts.Labels;
using RbpPipeline.Contracts.Manifests;
using RbpPipeline.Contracts.SequenceEncoding;
using RbpPipeline.Contracts.Storage;
using RbpPipeline.Onnx.Format;

namespace RbpPipeline.InferenceServer.Tests.Serving;

/// <summary>What a test model looks like; every field has a small default.</summary>
public sealed record TestModelSpec
{
    public int Length { get; init; } = 20;

    public LengthPolicy LengthPolicy { get; init; } = LengthPolicy.Centre;

    /// <summary>Seeds the weights, so two versions of one model predict differently.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Adds a categorical 'region' track (a second graph input).</summary>
    public bool WithRegion { get; init; }

    public bool WithGradient { get; init; } = true;

    /// <summary>Adds the probability output (Sigmoid of the raw one).</summary>
    public bool WithProbability { get; init; } = true;

    /// <summary>Task 0: regression with a z-score label transform (mean 2, std 3); task 1: binary.</summary>
    public IReadOnlyList<TaskInfo> Tasks { get; init; } =
    [
        new TaskInfo
        {
            Name = "affinity",
            Type = TaskType.Regression,
            LabelTransform = new LabelTransformChain { Steps = [new ZScoreTransform { Mean = 2.0, Std = 3.0 }] },
        },
        new TaskInfo { Name = "bound", Type = TaskType.Binary },
    ];
}

/// <summary>
/// Writes real, small model versions into a temporary repository in the Exporter's layout
/// (<c>&lt;repo&gt;/&lt;model&gt;/&lt;version&gt;/{model.onnx, gradient.onnx, manifest.json}</c> + <c>&lt;repo&gt;/&lt;model&gt;/config.pbtxt</c>):
/// a Conv-free linear graph (Flatten → MatMul → Add, Sigmoid for probabilities) built with
/// <see cref="OnnxGraphBuilder"/>, and a manifest with correct SHA-256 entries. Versions are assembled in a hidden
/// folder and renamed into place, as a publisher should.
/// </summary>
public sealed class TestModelRepository : IDisposable
{
    private static readonly string DigestA = new('a', 64);

    public TestModelRepository()
    {
        Root = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"rbp-serving-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    public string VersionFolder(string name, long version) => System.IO.Path.Combine(Root, name, version.ToString());

    /// <summary>Publishes a complete version atomically (rename of a finished folder) and returns its folder.</summary>
    public string Publish(string name, long version, TestModelSpec? spec = null)
    {
        var staging = System.IO.Path.Combine(Root, name, $".staging-{version}-{Guid.NewGuid():N}");
        WriteVersion(staging, name, version, spec ?? new TestModelSpec());
        var target = VersionFolder(name, version);
        Directory.Move(staging, target);
        return target;
    }

    /// <summary>Writes a version in place (files first, manifest last), as a plain copy would.</summary>
    public string WriteInPlace(string name, long version, TestModelSpec? spec = null, bool withManifest = true)
    {
        var folder = VersionFolder(name, version);
        WriteVersion(folder, name, version, spec ?? new TestModelSpec(), withManifest);
        return folder;
    }

    /// <summary>Writes the manifest a version folder would get (after <see cref="WriteInPlace"/> without one).</summary>
    public void WriteManifest(string name, long version, TestModelSpec? spec = null)
    {
        var folder = VersionFolder(name, version);
        ModelManifestJson.Save(Manifest(name, version, spec ?? new TestModelSpec(), folder), System.IO.Path.Combine(folder, ModelManifest.FileName));
    }

    /// <summary>Changes one byte of a published file so its SHA-256 no longer matches (same size).</summary>
    public void Tamper(string name, long version, string file = "model.onnx")
    {
        var path = System.IO.Path.Combine(VersionFolder(name, version), file);
        var bytes = File.ReadAllBytes(path);
        bytes[bytes.Length / 2] ^= 0x5a;
        File.WriteAllBytes(path, bytes);
    }

    public void Remove(string name, long version) => Directory.Delete(VersionFolder(name, version), recursive: true);

    public static EncodingSpec Encoding(TestModelSpec spec) => new()
    {
        Length = spec.Length,
        LengthPolicy = spec.LengthPolicy,
        Tracks = spec.WithRegion ? [CategoricalTrackSpec.OneHot("region", "IE")] : [],
    };

    /// <summary>The forward graph: raw = concat(flatten(inputs)) · W + b, probability = sigmoid(raw).</summary>
    public static ModelProto ForwardModel(TestModelSpec spec)
    {
        var encoding = Encoding(spec);
        var tasks = spec.Tasks.Sum(t => t.Type == TaskType.Multiclass ? t.Classes!.Count : 1);
        var g = new OnnxGraphBuilder("test_forward");
        var flats = new List<string>();
        var features = 0;
        foreach (var (name, channels) in encoding.InputTensors())
        {
            var input = g.AddInput(name, TensorProto.Types.DataType.Float, OnnxDim.Batch, channels.Count, spec.Length);
            flats.Add(g.AddNode("Flatten", [input], "flat", OnnxAttributes.Int("axis", 1)));
            features += channels.Count * spec.Length;
        }
        var x = flats.Count == 1 ? flats[0] : g.AddNode("Concat", flats, "features", OnnxAttributes.Int("axis", 1));
        var w = g.AddFloatInitializer("W", Weights(spec.Seed, features * tasks), features, tasks);
        var b = g.AddFloatInitializer("b", Weights(spec.Seed + 1000, tasks), tasks);
        var z = g.AddNode("MatMul", [x, w]);
        g.AddNodeWithOutputs("Add", [z, b], ["raw"]);
        g.AddOutput("raw", TensorProto.Types.DataType.Float, OnnxDim.Batch, tasks);
        if (spec.WithProbability)
        {
            g.AddNodeWithOutputs("Sigmoid", ["raw"], ["probability"]);
            g.AddOutput("probability", TensorProto.Types.DataType.Float, OnnxDim.Batch, tasks);
        }
        return g.Build("test");
    }

    /// <summary>
    /// The gradient graph, shaped like the Exporter's: the raw output (as in the forward graph) and
    /// d(sum(raw · output_weights))/d(sequence) = output_weights · Wᵀ (sequence part).
    /// </summary>
    public static ModelProto GradientModel(TestModelSpec spec)
    {
        var tasks = spec.Tasks.Sum(t => t.Type == TaskType.Multiclass ? t.Classes!.Count : 1);
        var features = 4 * spec.Length;
        var weights = Weights(spec.Seed, (features + (spec.WithRegion ? 2 * spec.Length : 0)) * tasks);
        var transposed = new float[tasks * features];
        for (var f = 0; f < features; f++)
            for (var t = 0; t < tasks; t++) transposed[t * features + f] = weights[f * tasks + t];
        var g = new OnnxGraphBuilder("test_gradient");
        var sequence = g.AddInput("sequence", TensorProto.Types.DataType.Float, OnnxDim.Batch, 4, spec.Length);
        var ow = g.AddInput("output_weights", TensorProto.Types.DataType.Float, OnnxDim.Batch, tasks);
        var flat = g.AddNode("Flatten", [sequence], "flat", OnnxAttributes.Int("axis", 1));
        var w = g.AddFloatInitializer("W", weights[..(features * tasks)], features, tasks);
        var b = g.AddFloatInitializer("b", Weights(spec.Seed + 1000, tasks), tasks);
        g.AddNodeWithOutputs("Add", [g.AddNode("MatMul", [flat, w]), b], ["raw"]);
        g.AddOutput("raw", TensorProto.Types.DataType.Float, OnnxDim.Batch, tasks);
        var wt = g.AddFloatInitializer("Wt", transposed, tasks, features);
        var shape = g.AddInt64Initializer("shape", [-1, 4, spec.Length], 3);
        var grad = g.AddNode("MatMul", [ow, wt]);
        g.AddNodeWithOutputs("Reshape", [grad, shape], ["grad_sequence"]);
        g.AddOutput("grad_sequence", TensorProto.Types.DataType.Float, OnnxDim.Batch, 4, spec.Length);
        return g.Build("test");
    }

    /// <summary>Deterministic small weights in [-0.5, 0.5).</summary>
    public static float[] Weights(int seed, int count)
    {
        var random = new Random(seed);
        var weights = new float[count];
        for (var i = 0; i < count; i++) weights[i] = (float)(random.NextDouble() - 0.5);
        return weights;
    }

    public static ModelManifest Manifest(string name, long version, TestModelSpec spec, string folder)
    {
        var encoding = Encoding(spec);
        var columns = spec.Tasks.Sum(t => t.Type == TaskType.Multiclass ? t.Classes!.Count : 1);
        var files = new Dictionary<string, FileEntry> { ["model.onnx"] = FileEntry.Of(folder, "model.onnx") };
        if (spec.WithGradient && !spec.WithRegion) files["gradient.onnx"] = FileEntry.Of(folder, "gradient.onnx");
        List<OutputInfo> outputs = [new OutputInfo { Name = "raw", Meaning = OutputMeaning.Raw, Shape = [-1, columns] }];
        if (spec.WithProbability) outputs.Add(new OutputInfo { Name = "probability", Meaning = OutputMeaning.Probability, Shape = [-1, columns] });
        return new ModelManifest
        {
            Name = name,
            Version = (int)version,
            Kind = ManifestKind.Model,
            Architecture = new ArchitectureInfo
            {
                Name = "linear-test",
                Hyperparameters = new Dictionary<string, JsonElement> { ["seed"] = JsonSerializer.SerializeToElement(spec.Seed) },
            },
            Tasks = spec.Tasks,
            Encoding = encoding,
            Inputs = InputInfo.From(encoding),
            Outputs = outputs,
            Gradient = spec.WithGradient && !spec.WithRegion
                ? new GradientInfo { Output = "raw", Spaces = spec.Tasks.ToDictionary(t => t.Name, _ => GradientSpace.Logit) }
                : null,
            Metrics =
            [
                new MetricValue { Split = "test", Task = spec.Tasks[0].Name, Name = "pearson", Value = 0.5 + version / 100.0 },
                new MetricValue { Split = "train", Name = "loss", Value = 0.25 },
            ],
            Parity = new ParityReport
            {
                Forward = new ParityFigures { MaxAbsDiff = 1e-6, MaxRelDiff = 2e-6 },
                Gradient = spec.WithGradient ? new ParityFigures { MaxAbsDiff = 3e-6, MaxRelDiff = 4e-6 } : null,
            },
            Provenance = new Provenance
            {
                CheckpointSha256 = DigestA,
                ConfigSha256 = DigestA,
                DataSha256 = new Dictionary<string, string>(),
                Seed = spec.Seed,
                LibraryVersions = new Dictionary<string, string> { ["onnxruntime"] = "1.29.0" },
                CreatedUtc = new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero),
            },
            Files = files,
        };
    }

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private static void WriteVersion(string folder, string name, long version, TestModelSpec spec, bool withManifest = true)
    {
        Directory.CreateDirectory(folder);
        File.WriteAllBytes(System.IO.Path.Combine(folder, "model.onnx"), ForwardModel(spec).ToByteArray());
        if (spec.WithGradient && !spec.WithRegion)
            File.WriteAllBytes(System.IO.Path.Combine(folder, "gradient.onnx"), GradientModel(spec).ToByteArray());
        var config = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(folder)!, "config.pbtxt");
        if (!File.Exists(config))
            File.WriteAllText(config, $"name: \"{name}\"\nplatform: \"onnxruntime_onnx\"\nmax_batch_size: 256\ndynamic_batching {{ }}\n");
        if (withManifest)
            ModelManifestJson.Save(Manifest(name, version, spec, folder), System.IO.Path.Combine(folder, ModelManifest.FileName));
    }
}
