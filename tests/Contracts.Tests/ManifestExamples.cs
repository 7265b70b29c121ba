using System.Text.Json;
using RbpPipeline.Contracts.Labels;
using RbpPipeline.Contracts.Manifests;
using RbpPipeline.Contracts.SequenceEncoding;

namespace RbpPipeline.Contracts.Tests;

/// <summary>Realistic manifests covering every optional part, used by the round-trip and schema tests.</summary>
internal static class ManifestExamples
{
    private static readonly string DigestA = new('a', 64);
    private static readonly string DigestB = new string('0', 63) + "7";

    public static EncodingSpec ResidualBindEncoding { get; } = new()
    {
        Length = 41,
        LengthPolicy = LengthPolicy.Centre,
        PaddingValue = 0.25f,
        NPolicy = NPolicy.Uniform,
        AmbiguityPolicy = AmbiguityPolicy.Mean,
        Tracks =
        [
            new ProfileTrackSpec { Name = "structure", Channels = ["P", "H", "I", "M", "E"] },
        ],
    };

    public static EncodingSpec DeepRiPeEncoding { get; } = new()
    {
        Length = 150,
        LengthPolicy = LengthPolicy.Left,
        Tracks =
        [
            new CategoricalTrackSpec
            {
                Name = "region",
                Categories =
                [
                    new TrackCategory("intron", "I"), new TrackCategory("exon", "E35O"), new TrackCategory("5UTR", "5"),
                    new TrackCategory("3UTR", "3"), new TrackCategory("ORF", "O"),
                ],
                BlankSymbols = ".",
            },
        ],
    };

    /// <summary>A published two-task regression model with parity figures and a gradient graph.</summary>
    public static ModelManifest PublishedModel()
    {
        var tasks = new[] { "RNCMPT00001", "RNCMPT00002" };
        return new ModelManifest
        {
            Name = "residualbind-rnacompete",
            Version = 3,
            Kind = ManifestKind.Model,
            Architecture = new ArchitectureInfo
            {
                Name = "residualbind",
                Hyperparameters = new Dictionary<string, JsonElement>
                {
                    ["filters"] = JsonSerializer.SerializeToElement(96),
                    ["dilations"] = JsonDocument.Parse("[1, 2, 4]").RootElement.Clone(),
                    ["dropout"] = JsonDocument.Parse("0.1").RootElement.Clone(),
                    ["activation"] = JsonDocument.Parse("\"relu\"").RootElement.Clone(),
                    ["residual"] = JsonDocument.Parse("{\"blocks\": 1, \"kernel\": 3}").RootElement.Clone(),
                },
            },
            Tasks =
            [
                new TaskInfo
                {
                    Name = tasks[0],
                    Type = TaskType.Regression,
                    LabelTransform = new LabelTransformChain
                    {
                        Steps =
                        [
                            new ClipTransform { UpperPercentile = 99, Upper = 12.5 },
                            new ZScoreTransform { Mean = 0.125, Std = 1.5 },
                        ],
                    },
                },
                new TaskInfo
                {
                    Name = tasks[1],
                    Type = TaskType.Regression,
                    LabelTransform = new LabelTransformChain
                    {
                        Steps = [new LogTransform { Min = -3.25 }, new ZScoreTransform { Mean = 1.75, Std = 0.5 }],
                    },
                },
            ],
            Encoding = ResidualBindEncoding,
            Inputs = InputInfo.From(ResidualBindEncoding),
            Outputs = [new OutputInfo { Name = "output", Meaning = OutputMeaning.Raw, Shape = [-1, 2] }],
            Gradient = new GradientInfo
            {
                Output = "output",
                Spaces = new Dictionary<string, GradientSpace> { [tasks[1]] = GradientSpace.Logit, [tasks[0]] = GradientSpace.Logit },
            },
            Metrics =
            [
                new MetricValue { Split = "valid", Task = tasks[0], Name = "pearson", Value = 0.6875 },
                new MetricValue { Split = "test", Task = tasks[1], Name = "pearson", Value = 0.59375 },
                new MetricValue { Split = "train", Name = "loss", Value = 0.3 },
            ],
            Parity = new ParityReport
            {
                Forward = new ParityFigures { MaxAbsDiff = 1.2e-6, MaxRelDiff = 3.4e-7 },
                Gradient = new ParityFigures { MaxAbsDiff = 2e-6, MaxRelDiff = 5e-6 },
            },
            Provenance = new Provenance
            {
                CheckpointSha256 = DigestB,
                ConfigSha256 = DigestA,
                DataSha256 = new Dictionary<string, string> { ["rnacompete2013.h5"] = DigestA },
                Seed = 42,
                LibraryVersions = new Dictionary<string, string> { ["onnxruntime"] = "1.29.0", ["libtorch"] = "1.13.1" },
                CreatedUtc = new DateTimeOffset(2025, 11, 21, 10, 30, 15, 123, TimeSpan.Zero),
            },
            Files = new Dictionary<string, FileEntry>
            {
                ["model.onnx"] = new() { Sha256 = DigestA, Size = 1_234_567 },
                ["gradient.onnx"] = new() { Sha256 = DigestB, Size = 2_345_678 },
                ["config.pbtxt"] = new() { Sha256 = DigestA, Size = 512 },
            },
        };
    }

    /// <summary>A checkpoint of a binary + multiclass model: no version, parity or gradient.</summary>
    public static ModelManifest Checkpoint() => new()
    {
        Name = "deepripe_k562",
        Kind = ManifestKind.Checkpoint,
        Architecture = new ArchitectureInfo { Name = "deepripe", Hyperparameters = new Dictionary<string, JsonElement>() },
        Tasks =
        [
            new TaskInfo { Name = "QKI", Type = TaskType.Binary },
            new TaskInfo { Name = "site", Type = TaskType.Multiclass, Classes = ["none", "weak", "strong"] },
        ],
        Encoding = DeepRiPeEncoding,
        Inputs = InputInfo.From(DeepRiPeEncoding),
        Outputs =
        [
            new OutputInfo { Name = "logits", Meaning = OutputMeaning.Raw, Shape = [-1, 4] },
            new OutputInfo { Name = "probabilities", Meaning = OutputMeaning.Probability, Shape = [-1, 4] },
        ],
        Provenance = new Provenance
        {
            ConfigSha256 = DigestA,
            DataSha256 = new Dictionary<string, string>(),
            Seed = -7,
            LibraryVersions = new Dictionary<string, string> { ["libtorch"] = "1.13.1" },
            CreatedUtc = new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero),
        },
        Files = new Dictionary<string, FileEntry> { ["weights/model.safetensors"] = new() { Sha256 = DigestB, Size = 0 } },
    };

    public static IEnumerable<ModelManifest> All() => [PublishedModel(), Checkpoint()];
}
