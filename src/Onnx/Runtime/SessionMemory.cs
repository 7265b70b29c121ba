namespace RbpPipeline.Onnx.Runtime;

/// <summary>
/// Where a session's CPU memory (weights and the activations of a run) comes from. bench/server-memory measures
/// the peak RSS of each with 1 and 10 models loaded; BENCHMARKS.md has the figures.
/// </summary>
public enum SessionMemory
{
    /// <summary>ONNX Runtime's default: each session grows its own CPU arena to its largest run and keeps it.</summary>
    PerSessionArena,

    /// <summary>
    /// One CPU arena registered with the process-wide <see cref="Microsoft.ML.OnnxRuntime.OrtEnv"/> and used by every
    /// session (<c>session.use_env_allocators=1</c>): memory freed by one model's run is reused by the next model's.
    /// </summary>
    SharedArena,

    /// <summary>No arena: each run allocates from, and frees to, the C heap.</summary>
    NoArena,
}
