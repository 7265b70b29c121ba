namespace RbpPipeline.Trainer.Checkpoints;

/// <summary>A checkpoint or training-state file that is missing, incomplete, corrupt or from another configuration.</summary>
public sealed class CheckpointException(string message, string path, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>The file or folder the problem is about.</summary>
    public string Path { get; } = path;
}
