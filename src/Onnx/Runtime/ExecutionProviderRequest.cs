namespace RbpPipeline.Onnx.Runtime;

/// <summary>Which execution provider a caller asks for.</summary>
public enum ExecutionProviderRequest
{
    /// <summary>CPU only.</summary>
    Cpu,
    /// <summary>CUDA when its libraries and a GPU are there, otherwise CPU with the reason logged.</summary>
    Cuda,
}
