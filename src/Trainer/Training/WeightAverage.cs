using TorchSharp;
using static TorchSharp.torch;

namespace RbpPipeline.Trainer.Training;

/// <summary>
/// An exponential moving average of a network's weights (parameters and batch-norm statistics), updated after every
/// optimiser step: <c>average ← d·average + (1 − d)·weights</c>, with <c>d = min(decay, (1 + step) / (10 + step))</c>
/// so that the first steps do not drag the average towards the random initial weights. On noisy CLIP labels the
/// per-epoch weights jump around; the average is a cheaper stand-in for an ensemble of the epoch's snapshots.
/// Integer buffers (batch counters) are copied, not averaged.
/// </summary>
public sealed class WeightAverage : IDisposable
{
    private readonly Dictionary<string, Tensor> _average = new(StringComparer.Ordinal);
    private readonly double _decay;

    /// <param name="decay">The per-step decay in (0, 1).</param>
    /// <param name="start">The weights to start from (copied).</param>
    public WeightAverage(double decay, nn.Module start)
    {
        ArgumentNullException.ThrowIfNull(start);
        if (!(decay > 0 && decay < 1)) throw new ArgumentOutOfRangeException(nameof(decay), decay, "the weight-average decay must be in (0, 1)");
        _decay = decay;
        using (no_grad())
            foreach (var (name, t) in start.state_dict())
                _average[name] = t.detach().clone().DetachFromDisposeScope();
    }

    /// <summary>The average's tensors by state name (owned by this object).</summary>
    public IReadOnlyDictionary<string, Tensor> State => _average;

    /// <summary>The decay used at 0-based optimiser step <paramref name="step"/>.</summary>
    public double DecayAt(long step) => Math.Min(_decay, (1.0 + step) / (10.0 + step));

    /// <summary>Folds the module's current weights into the average after optimiser step <paramref name="step"/> (0-based).</summary>
    public void Update(nn.Module module, long step)
    {
        ArgumentNullException.ThrowIfNull(module);
        var d = DecayAt(step);
        // Explicit Scalars, disposed here: implicit ones are freed by the finalizer, which libtorch does not survive.
        using var keep = d.ToScalar();
        using var take = (1 - d).ToScalar();
        using (no_grad())
            foreach (var (name, t) in module.state_dict())
            {
                var average = _average[name];
                if (average.is_floating_point()) average.mul_(keep).add_(t, alpha: take);
                else average.copy_(t);
            }
    }

    /// <summary>Replaces the average with saved tensors (a resumed run); every name must be present.</summary>
    public void Restore(IReadOnlyDictionary<string, Tensor> saved, string source)
    {
        ArgumentNullException.ThrowIfNull(saved);
        using (no_grad())
            foreach (var (name, average) in _average)
            {
                if (!saved.TryGetValue(name, out var t))
                    throw new InvalidOperationException($"{source}: the saved weight average has no tensor '{name}'");
                average.copy_(t);
            }
    }

    /// <summary>
    /// Runs <paramref name="action"/> with the average loaded into <paramref name="module"/>, then puts the module's
    /// own weights back (training continues from them, not from the average).
    /// </summary>
    public T WithAverage<T>(nn.Module module, Func<T> action)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(action);
        var own = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            using (no_grad())
                foreach (var (name, t) in module.state_dict())
                {
                    own[name] = t.detach().clone().DetachFromDisposeScope();
                    t.copy_(_average[name]);
                }
            return action();
        }
        finally
        {
            using (no_grad())
                foreach (var (name, t) in module.state_dict())
                    if (own.TryGetValue(name, out var saved)) t.copy_(saved);
            foreach (var t in own.Values) t.Dispose();
        }
    }

    public void Dispose()
    {
        foreach (var t in _average.Values) t.Dispose();
        _average.Clear();
    }
}
