using System.Text.RegularExpressions;
using RbpPipeline.Contracts.Storage;

namespace RbpPipeline.Contracts.Manifests;

/// <summary>
/// The rules JSON structure alone cannot state: cross-references between fields (inputs match the encoding,
/// output widths match the tasks, gradient spaces name real tasks) and value formats (digests, UTC, paths).
/// </summary>
internal static partial class ManifestValidation
{
    // Names become folders in the model repository and Triton model names.
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]*$")]
    private static partial Regex SafeName();

    public static void Validate(ModelManifest m)
    {
        Require(m.SchemaVersion == ModelManifest.CurrentSchemaVersion, "$.schemaVersion",
            $"is {m.SchemaVersion}; this build writes schemaVersion {ModelManifest.CurrentSchemaVersion}");
        Require(m.Name is not null && SafeName().IsMatch(m.Name), "$.name",
            $"'{m.Name}' must start with a letter or digit and contain only letters, digits, '.', '_' and '-'");
        if (m.Kind == ManifestKind.Model)
            Require(m.Version is >= 1, "$.version", "a published model needs a version ≥ 1");
        else
            Require(m.Version is null, "$.version", "checkpoints carry no version (versions are given when a model is published)");
        Require(m.Architecture is not null && !string.IsNullOrWhiteSpace(m.Architecture.Name), "$.architecture.name", "must be non-empty");

        ValidateTasks(m);
        Guard("$.encoding", () => m.Encoding.Validate());
        ValidateInputs(m);
        ValidateOutputs(m);
        ValidateGradient(m);

        for (var i = 0; i < m.Metrics.Count; i++)
        {
            var metric = m.Metrics[i];
            var path = $"$.metrics[{i}]";
            Require(!string.IsNullOrEmpty(metric.Split) && !string.IsNullOrEmpty(metric.Name), path, "needs a split and a name");
            Require(double.IsFinite(metric.Value), $"{path}.value", $"is {metric.Value}; JSON has no NaN or infinity — leave undefined metrics out");
            Require(metric.Task is null || m.Tasks.Any(t => t.Name == metric.Task), $"{path}.task", $"'{metric.Task}' is not one of the tasks");
        }

        if (m.Parity is { } parity)
        {
            CheckFigures(parity.Forward, "$.parity.forward");
            if (parity.Gradient is { } g) CheckFigures(g, "$.parity.gradient");
        }

        var p = m.Provenance;
        Require(p.CheckpointSha256 is null || Sha256.IsDigest(p.CheckpointSha256), "$.provenance.checkpointSha256", "must be 64 lowercase hex digits");
        Require(Sha256.IsDigest(p.ConfigSha256), "$.provenance.configSha256", "must be 64 lowercase hex digits");
        foreach (var (name, digest) in p.DataSha256)
            Require(Sha256.IsDigest(digest), $"$.provenance.dataSha256['{name}']", "must be 64 lowercase hex digits");
        Require(p.CreatedUtc.Offset == TimeSpan.Zero, "$.provenance.createdUtc", $"{p.CreatedUtc:O} is not in UTC (offset must be +00:00)");

        foreach (var (path, entry) in m.Files)
        {
            var where = $"$.files['{path}']";
            Require(IsSafeRelativePath(path), where, "must be a relative path with '/' separators and no '.', '..' or empty segments");
            Require(Sha256.IsDigest(entry.Sha256), $"{where}.sha256", "must be 64 lowercase hex digits");
            Require(entry.Size >= 0, $"{where}.size", "must not be negative");
        }
    }

    private static void ValidateTasks(ModelManifest m)
    {
        Require(m.Tasks.Count > 0, "$.tasks", "a model needs at least one task");
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < m.Tasks.Count; i++)
        {
            var task = m.Tasks[i];
            var path = $"$.tasks[{i}]";
            Require(!string.IsNullOrEmpty(task.Name) && names.Add(task.Name), $"{path}.name", $"'{task.Name}' must be non-empty and distinct");
            if (task.Type == TaskType.Multiclass)
                Require(task.Classes is { Count: >= 2 } classes && classes.Distinct(StringComparer.Ordinal).Count() == classes.Count,
                    $"{path}.classes", "a multiclass task needs at least two distinct class names");
            else
                Require(task.Classes is null, $"{path}.classes", "only multiclass tasks have classes");
            Guard($"{path}.labelTransform", () => task.LabelTransform.Validate());
        }
    }

    private static void ValidateInputs(ModelManifest m)
    {
        var expected = InputInfo.From(m.Encoding);
        Require(m.Inputs.Count == expected.Count, "$.inputs",
            $"lists {m.Inputs.Count} inputs; the encoding produces {expected.Count} ({string.Join(", ", expected.Select(e => e.Name))})");
        for (var i = 0; i < expected.Count; i++)
        {
            var (actual, wanted) = (m.Inputs[i], expected[i]);
            Require(actual.Name == wanted.Name && actual.Length == wanted.Length && actual.Channels.SequenceEqual(wanted.Channels), $"$.inputs[{i}]",
                $"is '{actual.Name}' [{string.Join(", ", actual.Channels)}] × {actual.Length}; the encoding produces '{wanted.Name}' [{string.Join(", ", wanted.Channels)}] × {wanted.Length}");
        }
    }

    private static void ValidateOutputs(ModelManifest m)
    {
        Require(m.Outputs.Count > 0, "$.outputs", "a model needs at least one output");
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < m.Outputs.Count; i++)
        {
            var output = m.Outputs[i];
            Require(!string.IsNullOrEmpty(output.Name) && names.Add(output.Name), $"$.outputs[{i}].name", $"'{output.Name}' must be non-empty and distinct");
            Require(output.Shape.SequenceEqual([-1, m.OutputColumns]), $"$.outputs[{i}].shape",
                $"is [{string.Join(", ", output.Shape)}]; with these tasks it must be [-1, {m.OutputColumns}] (dynamic batch, one column per task or class)");
        }
    }

    private static void ValidateGradient(ModelManifest m)
    {
        if (m.Gradient is not { } gradient) return;
        Require(m.Outputs.Any(o => o.Name == gradient.Output), "$.gradient.output", $"'{gradient.Output}' is not one of the outputs");
        var tasks = m.Tasks.Select(t => t.Name).Order(StringComparer.Ordinal);
        Require(gradient.Spaces.Keys.SequenceEqual(tasks), "$.gradient.spaces",
            $"has entries for [{string.Join(", ", gradient.Spaces.Keys)}]; it needs exactly one per task [{string.Join(", ", tasks)}]");
    }

    private static void CheckFigures(ParityFigures figures, string path)
    {
        Require(double.IsFinite(figures.MaxAbsDiff) && figures.MaxAbsDiff >= 0, $"{path}.maxAbsDiff", "must be finite and ≥ 0");
        Require(double.IsFinite(figures.MaxRelDiff) && figures.MaxRelDiff >= 0, $"{path}.maxRelDiff", "must be finite and ≥ 0");
    }

    private static bool IsSafeRelativePath(string path) =>
        path.Length > 0 && !path.Contains('\\') && !path.StartsWith('/') &&
        path.Split('/').All(segment => segment is not ("" or "." or ".."));

    private static void Require(bool condition, string path, string problem)
    {
        if (!condition) throw new ArgumentException($"{path} {problem}");
    }

    private static void Guard(string path, Action validate)
    {
        try { validate(); }
        catch (ArgumentException e) { throw new ArgumentException($"{path}: {e.Message}", e); }
    }
}
