using RbpPipeline.Trainer.Adaptation;

namespace RbpPipeline.Trainer.Tests.Adaptation;

/// <summary>The stage-2 collapse check on hand-written accuracy sequences.</summary>
public sealed class CollapseMonitorTests
{
    private static List<(int Iteration, string Warning)> Feed(int window, IEnumerable<double> accuracies)
    {
        var monitor = new CollapseMonitor(window);
        var warnings = new List<(int, string)>();
        var i = 0;
        foreach (var a in accuracies)
        {
            if (monitor.Add(i, a) is { } w) warnings.Add((i, w));
            i++;
        }
        Assert.Equal(warnings.Count, monitor.Warnings);
        return warnings;
    }

    [Fact]
    public void A_window_at_one_warns_once_when_it_fills_and_names_the_iterations()
    {
        var warnings = Feed(5, Enumerable.Repeat(1.0, 12));
        var (iteration, text) = Assert.Single(warnings);
        Assert.Equal(4, iteration);
        Assert.Contains("averaged 1.000 over iterations 1–5", text);
        Assert.Contains("tells the domains apart completely", text);
        Assert.Contains(CollapseMonitor.HighAdvice, text);
    }

    [Fact]
    public void A_window_at_zero_warns_with_the_overshoot_advice()
    {
        var (_, text) = Assert.Single(Feed(4, [0.5, 0.01, 0.0, 0.0, 0.0, 0.0]));
        Assert.Contains("fooled systematically", text);
        Assert.Contains(CollapseMonitor.LowAdvice, text);
    }

    [Fact]
    public void A_healthy_or_briefly_extreme_run_does_not_warn_and_a_second_episode_warns_again()
    {
        // Near chance with spikes to 1 that never fill a window: no warning.
        Assert.Empty(Feed(5, [0.5, 1, 1, 1, 0.6, 1, 1, 0.4, 0.55, 0.97, 0.99, 0.98]));
        // Two episodes separated by a recovery: two warnings; the mean must leave the range in between.
        var twice = Feed(3, [1, 1, 1, 1, 0.5, 0.5, 0.5, 1, 1, 1]);
        Assert.Equal([2, 9], twice.Select(w => w.Iteration));
        Assert.Empty(Feed(0, Enumerable.Repeat(1.0, 100)));
    }
}
