namespace RbpPipeline.Trainer.Training;

/// <summary>
/// libtorch's random generator (initial weights, dropout masks) and its thread count are process-wide. Two trainings
/// running at once in one process (two test classes, or a library user's two threads) would interleave their draws,
/// and neither would then be reproducible from its seed. So whatever seeds or draws from the global generator — a
/// training run, building a network whose initial weights are drawn — runs under this one (re-entrant) lock: a seeded
/// run gives the same network whatever else the process is doing. Separate processes (the CLI's fan-out) are unaffected.
/// </summary>
public static class GlobalGenerator
{
    private static readonly object Gate = new();

    public static T Exclusive<T>(Func<T> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        lock (Gate) return work();
    }
}
