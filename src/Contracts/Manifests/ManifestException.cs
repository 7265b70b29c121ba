namespace RbpPipeline.Contracts.Manifests;

/// <summary>A manifest file that cannot be used: unreadable, of another schema version, or non-conforming.</summary>
public sealed class ManifestException(string message, string source, string? jsonPath = null, Exception? inner = null)
    : Exception(message, inner)
{
    /// <summary>The file (or other source name) the manifest came from.</summary>
    public string ManifestSource { get; } = source;

    /// <summary>Where in the document the problem is, e.g. "$.tasks[0].name", when known.</summary>
    public string? JsonPath { get; } = jsonPath;
}
