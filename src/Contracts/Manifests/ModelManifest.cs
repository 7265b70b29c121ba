using System.Text.Json.Serialization;
using RbpPipeline.Contracts.Json;
using RbpPipeline.Contracts.Labels;
using RbpPipeline.Contracts.SequenceEncoding;

namespace RbpPipeline.Contracts.Manifests;

/// <summary>
/// What a checkpoint (written by the Trainer) or a published model (written by the Exporter, read by the Server)
/// says about itself. One type for both, told apart by <see cref="Kind"/>. Read and written with
/// <see cref="ModelManifestJson"/>; the JSON Schema is Schemas/model-manifest.schema.json.
/// </summary>
public sealed record ModelManifest
{
    /// <summary>The only schema version this build reads and writes; bumped on any change to the format.</summary>
    public const int CurrentSchemaVersion = 1;

    /// <summary>The conventional file name beside the weights or the ONNX graphs.</summary>
    public const string FileName = "manifest.json";

    [JsonRequired] public int SchemaVersion { get; init; } = CurrentSchemaVersion;

    /// <summary>The model's name, also its folder in the model repository.</summary>
    [JsonRequired] public required string Name { get; init; }

    /// <summary>The published version (1, 2, …); absent on checkpoints.</summary>
    public int? Version { get; init; }

    [JsonRequired] public required ManifestKind Kind { get; init; }

    [JsonRequired] public required ArchitectureInfo Architecture { get; init; }

    /// <summary>The prediction tasks, in output column order.</summary>
    [JsonRequired] public required IReadOnlyList<TaskInfo> Tasks { get; init; }

    /// <summary>How raw records become the input tensors.</summary>
    [JsonRequired] public required EncodingSpec Encoding { get; init; }

    /// <summary>The graph's input tensors; must equal what <see cref="Encoding"/> produces (see <see cref="InputInfo.From"/>).</summary>
    [JsonRequired] public required IReadOnlyList<InputInfo> Inputs { get; init; }

    [JsonRequired] public required IReadOnlyList<OutputInfo> Outputs { get; init; }

    /// <summary>What gradient.onnx differentiates; absent where no gradient graph exists (checkpoints).</summary>
    public GradientInfo? Gradient { get; init; }

    [JsonRequired] public IReadOnlyList<MetricValue> Metrics { get; init; } = [];

    /// <summary>How closely the exported graphs matched the Trainer; absent on checkpoints.</summary>
    public ParityReport? Parity { get; init; }

    [JsonRequired] public required Provenance Provenance { get; init; }

    /// <summary>Every file of the checkpoint or model version, by path relative to the manifest's folder.</summary>
    [JsonRequired]
    public required IReadOnlyDictionary<string, FileEntry> Files { get => _files; init => _files = OrdinalMap.Of(value); }

    private readonly IReadOnlyDictionary<string, FileEntry> _files = OrdinalMap.Empty<FileEntry>();

    /// <summary>The number of output columns: one per task, one per class for multiclass tasks.</summary>
    [JsonIgnore] public int OutputColumns => Tasks.Sum(t => t.Type == TaskType.Multiclass ? t.Classes?.Count ?? 0 : 1);

    /// <summary>Throws <see cref="ArgumentException"/> naming the first field that is inconsistent.</summary>
    public void Validate() => ManifestValidation.Validate(this);
}

[JsonConverter(typeof(StrictEnumConverter<ManifestKind>))]
public enum ManifestKind
{
    [JsonStringEnumMemberName("checkpoint")] Checkpoint,
    [JsonStringEnumMemberName("model")] Model,
}

/// <summary>The architecture by name (e.g. "residualbind") and its hyperparameters as free-form JSON values.</summary>
public sealed record ArchitectureInfo
{
    [JsonRequired] public required string Name { get; init; }

    [JsonRequired]
    public required IReadOnlyDictionary<string, System.Text.Json.JsonElement> Hyperparameters
    {
        get => _hyperparameters;
        init => _hyperparameters = OrdinalMap.Of(value);
    }

    private readonly IReadOnlyDictionary<string, System.Text.Json.JsonElement> _hyperparameters = OrdinalMap.Empty<System.Text.Json.JsonElement>();
}

public sealed record TaskInfo
{
    [JsonRequired] public required string Name { get; init; }

    [JsonRequired] public required TaskType Type { get; init; }

    /// <summary>Multiclass tasks only: the class names, one output column each.</summary>
    public IReadOnlyList<string>? Classes { get; init; }

    /// <summary>Fitted on the training labels; the identity (no steps) for classification tasks.</summary>
    [JsonRequired] public LabelTransformChain LabelTransform { get; init; } = LabelTransformChain.Identity;
}

[JsonConverter(typeof(StrictEnumConverter<TaskType>))]
public enum TaskType
{
    [JsonStringEnumMemberName("regression")] Regression,
    [JsonStringEnumMemberName("binary")] Binary,
    [JsonStringEnumMemberName("multiclass")] Multiclass,
}

/// <summary>One input tensor of the graph, shaped [batch, channels, length].</summary>
public sealed record InputInfo
{
    [JsonRequired] public required string Name { get; init; }

    [JsonRequired] public required IReadOnlyList<string> Channels { get; init; }

    [JsonRequired] public required int Length { get; init; }

    /// <summary>The inputs an encoding produces, ready for <see cref="ModelManifest.Inputs"/>.</summary>
    public static IReadOnlyList<InputInfo> From(EncodingSpec encoding) =>
        [.. encoding.InputTensors().Select(t => new InputInfo { Name = t.Name, Channels = [.. t.Channels], Length = encoding.Length })];
}

/// <summary>One output tensor of the graph.</summary>
public sealed record OutputInfo
{
    [JsonRequired] public required string Name { get; init; }

    [JsonRequired] public required OutputMeaning Meaning { get; init; }

    /// <summary>[-1, columns]: -1 is the dynamic batch dimension (as in ONNX and Triton configs).</summary>
    [JsonRequired] public required IReadOnlyList<long> Shape { get; init; }
}

[JsonConverter(typeof(StrictEnumConverter<OutputMeaning>))]
public enum OutputMeaning
{
    /// <summary>Regression values or logits, before any sigmoid/softmax.</summary>
    [JsonStringEnumMemberName("raw")] Raw,

    [JsonStringEnumMemberName("probability")] Probability,
}

/// <summary>Which output gradient.onnx differentiates, and in which space for each task.</summary>
public sealed record GradientInfo
{
    /// <summary>The name of an entry of <see cref="ModelManifest.Outputs"/>.</summary>
    [JsonRequired] public required string Output { get; init; }

    /// <summary>Task name → the space its gradient is taken in.</summary>
    [JsonRequired]
    public required IReadOnlyDictionary<string, GradientSpace> Spaces { get => _spaces; init => _spaces = OrdinalMap.Of(value); }

    private readonly IReadOnlyDictionary<string, GradientSpace> _spaces = OrdinalMap.Empty<GradientSpace>();
}

[JsonConverter(typeof(StrictEnumConverter<GradientSpace>))]
public enum GradientSpace
{
    [JsonStringEnumMemberName("logit")] Logit,
    [JsonStringEnumMemberName("probability")] Probability,
}

/// <summary>One evaluation figure, e.g. split "test", task "HNRNPA1", name "pearson".</summary>
public sealed record MetricValue
{
    [JsonRequired] public required string Split { get; init; }

    /// <summary>Absent for figures about the whole model (e.g. the total loss).</summary>
    public string? Task { get; init; }

    [JsonRequired] public required string Name { get; init; }

    /// <summary>Finite; leave undefined metrics out rather than storing NaN (JSON has no NaN).</summary>
    [JsonRequired] public required double Value { get; init; }
}

/// <summary>Largest differences between the exported graphs (ONNX Runtime) and the Trainer (libtorch).</summary>
public sealed record ParityReport
{
    [JsonRequired] public required ParityFigures Forward { get; init; }

    public ParityFigures? Gradient { get; init; }
}

public sealed record ParityFigures
{
    [JsonRequired] public required double MaxAbsDiff { get; init; }

    [JsonRequired] public required double MaxRelDiff { get; init; }
}

/// <summary>Where a checkpoint or model came from, enough to reproduce or audit it.</summary>
public sealed record Provenance
{
    /// <summary>The weights file of the checkpoint a model was exported from; absent on checkpoints themselves.</summary>
    public string? CheckpointSha256 { get; init; }

    /// <summary>SHA-256 of the pipeline configuration the run used.</summary>
    [JsonRequired] public required string ConfigSha256 { get; init; }

    /// <summary>Data set name → SHA-256 of its file.</summary>
    [JsonRequired]
    public required IReadOnlyDictionary<string, string> DataSha256 { get => _data; init => _data = OrdinalMap.Of(value); }

    [JsonRequired] public required long Seed { get; init; }

    /// <summary>Library name → version, e.g. "libtorch" → "1.13.1".</summary>
    [JsonRequired]
    public required IReadOnlyDictionary<string, string> LibraryVersions { get => _libraries; init => _libraries = OrdinalMap.Of(value); }

    /// <summary>When the file was created, in UTC (offset +00:00).</summary>
    [JsonRequired] public required DateTimeOffset CreatedUtc { get; init; }

    private readonly IReadOnlyDictionary<string, string> _data = OrdinalMap.Empty<string>();
    private readonly IReadOnlyDictionary<string, string> _libraries = OrdinalMap.Empty<string>();
}

/// <summary>A file's digest and size, so a reader can verify it before trusting it.</summary>
public sealed record FileEntry
{
    [JsonRequired] public required string Sha256 { get; init; }

    [JsonRequired] public required long Size { get; init; }

    /// <summary>Hashes <paramref name="relativePath"/> under <paramref name="folder"/>.</summary>
    public static FileEntry Of(string folder, string relativePath)
    {
        var path = Path.Combine(folder, relativePath);
        return new FileEntry { Sha256 = Storage.Sha256.OfFile(path), Size = new FileInfo(path).Length };
    }
}
