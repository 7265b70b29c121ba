using System.Text.Json;
using System.Text.RegularExpressions;
using RbpPipeline.Contracts.Json;
using RbpPipeline.Contracts.Storage;

namespace RbpPipeline.Contracts.Manifests;

/// <summary>Reads and writes manifest files: strict on reading, atomic and byte-stable on writing.</summary>
public static partial class ModelManifestJson
{
    /// <summary>The manifest as UTF-8 JSON; the same manifest always gives the same bytes.</summary>
    public static byte[] ToUtf8Bytes(ModelManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        manifest.Validate();
        return ContractsJson.Serialize(manifest);
    }

    /// <summary>Validates and writes atomically: readers see the old file or the new one, never half of one.</summary>
    public static void Save(ModelManifest manifest, string path) => AtomicFile.WriteAllBytes(path, ToUtf8Bytes(manifest));

    /// <exception cref="ManifestException">The file is unreadable, of another schema version, or non-conforming.</exception>
    public static ModelManifest Load(string path)
    {
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ManifestException($"cannot read manifest {path}: {e.Message}", path, null, e);
        }
        return Parse(bytes, path);
    }

    /// <param name="source">Names the document in error messages (a file path, "request body").</param>
    /// <exception cref="ManifestException">Another schema version, or non-conforming JSON.</exception>
    public static ModelManifest Parse(ReadOnlySpan<byte> utf8Json, string source)
    {
        CheckSchemaVersion(utf8Json, source);
        ModelManifest manifest;
        try { manifest = ContractsJson.Deserialize<ModelManifest>(utf8Json); }
        catch (JsonException e)
        {
            var (path, problem) = Describe(e);
            throw new ManifestException($"manifest {source} does not conform to schema version {ModelManifest.CurrentSchemaVersion}: {problem}", source, path, e);
        }
        try { manifest.Validate(); }
        catch (ArgumentException e)
        {
            throw new ManifestException($"manifest {source} is inconsistent: {e.Message}", source, e.Message.Split(' ', 2)[0].TrimEnd(':'), e);
        }
        return manifest;
    }

    /// <summary>The JSON Schema (draft 2020-12) of the current schema version, as embedded in this assembly.</summary>
    public static string JsonSchema()
    {
        const string resource = "RbpPipeline.Contracts.Schemas.model-manifest.schema.json";
        using var stream = typeof(ModelManifestJson).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"embedded resource {resource} is missing from the build");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    // System.Text.Json names the object, not the field, when required properties are missing; name the field's
    // full path so that a user can see at once what to add where.
    private static (string Path, string Problem) Describe(JsonException e)
    {
        var path = e.Path ?? "$";
        var message = e.Message;
        var cut = message.IndexOf(" Path: ", StringComparison.Ordinal);
        if (cut >= 0) message = message[..cut];
        var line = e.LineNumber is { } l ? $" (line {l + 1})" : "";
        var missing = MissingRequired().Match(message);
        if (missing.Success)
        {
            var names = QuotedName().Matches(missing.Groups[1].Value).Select(m => $"{path}.{m.Groups[1].Value}").ToList();
            if (names.Count > 0)
                return (names[0], $"missing required propert{(names.Count == 1 ? "y" : "ies")} {string.Join(", ", names)}{line}");
        }
        return (path, $"at {path}{line}: {message}");
    }

    [GeneratedRegex("missing required properties including: (.+)$")]
    private static partial Regex MissingRequired();

    [GeneratedRegex("'([^']+)'")]
    private static partial Regex QuotedName();

    // Checked before anything else so that a file from a newer (or older) build fails with a message about
    // versions instead of a confusing complaint about some field that changed.
    private static void CheckSchemaVersion(ReadOnlySpan<byte> utf8Json, string source)
    {
        var expected = ModelManifest.CurrentSchemaVersion;
        var reader = new Utf8JsonReader(utf8Json);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                throw new ManifestException($"manifest {source} is not a JSON object; expected a manifest with schemaVersion {expected}", source, "$");
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("schemaVersion"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var version))
                    {
                        if (version == expected) return;
                        var hint = version > expected ? "it was written by a newer build" : "it predates this build's format";
                        throw new ManifestException(
                            $"manifest {source} has schemaVersion {version}, but this build reads only schemaVersion {expected} ({hint})",
                            source, "$.schemaVersion");
                    }
                    throw new ManifestException(
                        $"manifest {source}: schemaVersion must be the integer {expected}, found a {reader.TokenType} token", source, "$.schemaVersion");
                }
                reader.Skip();
            }
        }
        catch (JsonException e)
        {
            throw new ManifestException($"manifest {source} is not valid JSON: {e.Message}", source, null, e);
        }
        throw new ManifestException($"manifest {source} has no schemaVersion; expected schemaVersion {expected}", source, "$.schemaVersion");
    }
}
