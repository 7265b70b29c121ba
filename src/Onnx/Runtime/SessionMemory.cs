namespace RbpPipeline.Onnx.Runtime;

/// <summary>
/// Where a session's CPU memory (weights and the activations of a run) comes from. bench/server-memory measures
/// the peak RSS of each with few and with many models loaded; BENCHMARKS.md has the figures.
/// </summary>
public enum SessionMemory
{
    /// <summary>ONNX Runtime's default: each session grows its own CPU arena to its largest run and keeps it.</summary>
    PerSessionArena,

    /// <summary>
    /// One CPU arena registered with the process-wide <see cref="Microsoft.ML.OnnxRuntime.OrtEnv"/> and used by every
    /// session (<c>session.use_env_allocators=1</c>), so memory freed by one model's run is reused by the next
    /// model's; ORT's memory pattern off, so a run's tensors are allocated one by one and reuse each other's freed
    /// blocks instead of one block planned for all of them (about half the peak per run, measured).
    /// </summary>
    SharedArena,

    /// <summary>The shared arena with ORT's memory pattern left on (its default): one planned block per run.</summary>
    SharedArenaWithMemoryPattern,

    /// <summary>No arena: each run allocates from, and frees to, the C heap.</summary>
    NoArena,
}
