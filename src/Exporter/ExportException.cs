namespace RbpPipeline.Exporter;

/// <summary>
/// The export cannot proceed: an unsupported layer (the message names the node and its type), weights that do not fit
/// the graph, a checkpoint that does not describe an exportable network, or a repository conflict.
/// </summary>
public class ExportException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The requested version already exists in the model repository; published versions are never overwritten.</summary>
public sealed class VersionExistsException(string model, int version, string folder)
    : ExportException($"model '{model}' already has version {version} ({folder}); published versions are immutable — choose another --version or leave it out to use the next one")
{
    public string Model { get; } = model;

    public int Version { get; } = version;
}
