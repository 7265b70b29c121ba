using Microsoft.ML.OnnxRuntime;

namespace RbpPipeline.Onnx.Runtime;

/// <summary>Applies a <see cref="SessionMemory"/> choice to <see cref="SessionOptions"/>.</summary>
public static class SessionMemorySettings
{
    /// <summary>Session config key (onnxruntime_session_options_config_keys.h): use the allocators registered with the environment.</summary>
    public const string UseEnvAllocatorsKey = "session.use_env_allocators";

    private static readonly object Gate = new();
    private static bool _sharedArenaRegistered;

    /// <summary>Configures <paramref name="options"/>; the shared-arena settings register the shared arena on first use.</summary>
    public static void Apply(SessionOptions options, SessionMemory memory)
    {
        ArgumentNullException.ThrowIfNull(options);
        switch (memory)
        {
            case SessionMemory.PerSessionArena:
                options.EnableCpuMemArena = true;
                break;
            case SessionMemory.SharedArena:
                UseSharedArena(options);
                options.EnableMemoryPattern = false;
                break;
            case SessionMemory.SharedArenaWithMemoryPattern:
                UseSharedArena(options);
                options.EnableMemoryPattern = true;
                break;
            case SessionMemory.NoArena:
                options.EnableCpuMemArena = false;
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(memory), memory, "unknown session memory setting");
        }
    }

    private static void UseSharedArena(SessionOptions options)
    {
        EnsureSharedArena();
        options.EnableCpuMemArena = true;
        options.AddSessionConfigEntry(UseEnvAllocatorsKey, "1");
    }

    /// <summary>
    /// Registers one CPU arena allocator with the process-wide environment, once per process (every session that
    /// uses environment allocators then shares it). It grows by what a run asks for, not to the next power of two, so the shared arena
    /// holds about one run's activations more than the weights rather than up to twice that.
    /// </summary>
    public static void EnsureSharedArena()
    {
        lock (Gate)
        {
            if (_sharedArenaRegistered) return;
            NativeEnvironment.Prepare();
            using var memoryInfo = new OrtMemoryInfo(OrtMemoryInfo.allocatorCPU, OrtAllocatorType.ArenaAllocator, 0, OrtMemType.Default);
            using var arena = new OrtArenaCfg(maxMemory: 0, arenaExtendStrategy: ArenaExtendSameAsRequested, initialChunkSizeBytes: -1, maxDeadBytesPerChunk: -1);
            OrtEnv.Instance().CreateAndRegisterAllocator(memoryInfo, arena);
            _sharedArenaRegistered = true;
        }
    }

    /// <summary>OrtArenaCfg's arena_extend_strategy: 0 = next power of two (ORT's default), 1 = same as requested.</summary>
    private const int ArenaExtendSameAsRequested = 1;
}
