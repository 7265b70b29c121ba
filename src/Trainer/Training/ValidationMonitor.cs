namespace RbpPipeline.Trainer.Training;

/// <summary>What the monitor decided after one epoch.</summary>
/// <param name="Improved">The epoch set a new best: its weights are kept.</param>
/// <param name="LearningRate">The learning rate for the next epoch (lower than before after a plateau).</param>
/// <param name="Decayed">The learning rate was just multiplied by the decay factor.</param>
/// <param name="Stop">Early stopping: no improvement for the patience.</param>
public sealed record MonitorDecision(bool Improved, double LearningRate, bool Decayed, bool Stop);

/// <summary>
/// Learning-rate decay on a plateau and early stopping, driven by one validation figure per epoch.
/// <list type="bullet">
/// <item>An epoch improves when its value beats the best so far by more than <c>MinDelta</c> (greater for
/// <c>max</c>, smaller for <c>min</c>); the first finite value always improves; NaN never does.</item>
/// <item>After <c>LrDecayPatience</c> epochs in a row without improvement the learning rate is multiplied by
/// <c>LrDecayFactor</c> (never below <c>MinLearningRate</c>) and the plateau count starts again.</item>
/// <item>After <c>EarlyStoppingPatience</c> epochs in a row without improvement, training stops.</item>
/// </list>
/// The state is plain data (<see cref="MonitorState"/>) saved in the resumable training state.
/// </summary>
public sealed class ValidationMonitor
{
    private readonly TrainingOptions _options;

    public ValidationMonitor(TrainingOptions options, MonitorState? state = null)
    {
        _options = options;
        State = state ?? new MonitorState { LearningRate = options.LearningRate };
    }

    public MonitorState State { get; private set; }

    public MonitorDecision Update(int epoch, double value)
    {
        var s = State;
        var improved = double.IsFinite(value) && (double.IsNaN(s.BestValue) || (_options.EffectiveMonitorMode == MonitorMode.Max
            ? value > s.BestValue + _options.MinDelta
            : value < s.BestValue - _options.MinDelta));
        var lr = s.LearningRate;
        var decayed = false;
        if (improved)
        {
            s = s with { BestValue = value, BestEpoch = epoch, EpochsWithoutImprovement = 0, EpochsOnPlateau = 0 };
        }
        else
        {
            s = s with { EpochsWithoutImprovement = s.EpochsWithoutImprovement + 1, EpochsOnPlateau = s.EpochsOnPlateau + 1 };
            if (_options.LrDecayFactor < 1 && _options.LrDecayPatience > 0 && s.EpochsOnPlateau >= _options.LrDecayPatience)
            {
                var next = Math.Max(lr * _options.LrDecayFactor, _options.MinLearningRate);
                decayed = next < lr;
                lr = next;
                s = s with { EpochsOnPlateau = 0 };
            }
        }
        var stop = _options.EarlyStoppingPatience > 0 && s.EpochsWithoutImprovement >= _options.EarlyStoppingPatience;
        State = s with { LearningRate = lr, Stopped = stop };
        return new MonitorDecision(improved, lr, decayed, stop);
    }
}

/// <summary>The monitor's memory between epochs (JSON in the resumable state).</summary>
public sealed record MonitorState
{
    /// <summary>NaN until the first finite value.</summary>
    public double BestValue { get; init; } = double.NaN;

    /// <summary>0 until the first improvement (epochs count from 1).</summary>
    public int BestEpoch { get; init; }

    public int EpochsWithoutImprovement { get; init; }

    public int EpochsOnPlateau { get; init; }

    public double LearningRate { get; init; }

    public bool Stopped { get; init; }
}
