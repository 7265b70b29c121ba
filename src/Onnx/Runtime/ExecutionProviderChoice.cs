namespace RbpPipeline.Onnx.Runtime;

/// <summary>The provider a session actually got, and why: shown in logs, `rbp info` and server metadata.</summary>
public sealed record ExecutionProviderChoice(string Provider, string Reason, string? Device = null)
{
    public const string CpuName = "CPUExecutionProvider";
    public const string CudaName = "CUDAExecutionProvider";

    public bool IsCuda => Provider == CudaName;

    public static ExecutionProviderChoice Cpu(string reason) => new(CpuName, reason);
}
