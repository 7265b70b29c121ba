using static RbpPipeline.Torch.torch;

namespace RbpPipeline.Torch.Tests;

internal static class TestHelpers
{
    /// <summary>Largest absolute difference, after checking that shapes agree.</summary>
    public static double MaxAbsDiff(Tensor expected, Tensor actual)
    {
        Assert.Equal(expected.shape, actual.shape);
        using var scope = NewDisposeScope();
        if (expected.numel() == 0) return 0;
        return (expected.to(ScalarType.Float64) - actual.to(ScalarType.Float64)).abs().max().item<double>();
    }

    public static void AssertClose(Tensor expected, Tensor actual, double tolerance, string what)
    {
        var diff = MaxAbsDiff(expected, actual);
        Assert.True(diff <= tolerance, $"{what}: max |diff| = {diff:E3} > {tolerance:E1}");
    }

    /// <summary>Runs <paramref name="body"/> with libtorch on the given thread count, restoring the previous one.</summary>
    public static T WithThreads<T>(int threads, Func<T> body)
    {
        var previous = get_num_threads();
        set_num_threads(threads);
        try { return body(); }
        finally { set_num_threads(previous); }
    }

    public static long VmRssKilobytes()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        throw new InvalidOperationException("no VmRSS in /proc/self/status");
    }
}
