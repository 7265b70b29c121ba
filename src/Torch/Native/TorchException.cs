namespace RbpPipeline.Torch;

/// <summary>An error reported by libtorch (shape or dtype mismatch, invalid argument...), with libtorch's message.</summary>
public sealed class TorchException(string message) : Exception(message);
