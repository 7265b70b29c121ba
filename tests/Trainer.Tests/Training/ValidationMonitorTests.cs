using RbpPipeline.Trainer.Training;

namespace RbpPipeline.Trainer.Tests.Training;

public sealed class ValidationMonitorTests
{
    [Fact]
    public void Decays_the_learning_rate_after_each_plateau_and_stops_after_the_patience()
    {
        var options = new TrainingOptions
        {
            LearningRate = 0.1, Monitor = "auroc", LrDecayFactor = 0.5, LrDecayPatience = 2, EarlyStoppingPatience = 5, MinDelta = 0.001,
        };
        var monitor = new ValidationMonitor(options);
        double[] script = [0.70, 0.80, 0.80, 0.8005, 0.79, 0.85, 0.84, 0.83, 0.84, 0.845, 0.80];
        var decisions = script.Select((v, i) => monitor.Update(i + 1, v)).ToList();

        // improved: epochs 1, 2 and 6 (0.8005 is within min delta of 0.80).
        Assert.Equal([true, true, false, false, false, true, false, false, false, false, false], decisions.Select(d => d.Improved));
        // 2 epochs without improvement → ×0.5: after epoch 4 (0.05), then the count restarts: after epoch 8 and 10.
        Assert.Equal([0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.05, 0.025, 0.025, 0.0125, 0.0125], decisions.Select(d => d.LearningRate));
        Assert.Equal([false, false, false, true, false, false, false, true, false, true, false], decisions.Select(d => d.Decayed));
        // 5 epochs without improvement after epoch 6: stop at epoch 11.
        Assert.Equal(10, decisions.FindIndex(d => d.Stop));
        Assert.Equal(6, monitor.State.BestEpoch);
        Assert.Equal(0.85, monitor.State.BestValue);
    }

    [Fact]
    public void A_loss_is_minimised_and_NaN_never_improves()
    {
        var monitor = new ValidationMonitor(new TrainingOptions { Monitor = "loss", EarlyStoppingPatience = 2 });

        Assert.True(monitor.Update(1, 0.5).Improved);
        Assert.False(monitor.Update(2, double.NaN).Improved);
        Assert.True(monitor.Update(3, 0.4).Improved);
        Assert.False(monitor.Update(4, 0.45).Improved);
        var last = monitor.Update(5, 0.41);
        Assert.True(last.Stop);
        Assert.Equal(3, monitor.State.BestEpoch);
    }

    [Fact]
    public void The_learning_rate_never_falls_below_the_minimum_and_disabled_schedules_do_nothing()
    {
        var monitor = new ValidationMonitor(new TrainingOptions { LearningRate = 1, LrDecayFactor = 0.1, LrDecayPatience = 1, MinLearningRate = 0.05 });
        monitor.Update(1, 1);
        Assert.Equal(0.1, monitor.Update(2, 2).LearningRate);
        Assert.Equal(0.05, monitor.Update(3, 2).LearningRate, 12);
        Assert.False(monitor.Update(4, 2).Decayed);

        var plain = new ValidationMonitor(new TrainingOptions { LearningRate = 1 });
        for (var e = 1; e <= 30; e++)
        {
            var d = plain.Update(e, 1);
            Assert.Equal(1, d.LearningRate);
            Assert.False(d.Stop);
        }
    }
}
