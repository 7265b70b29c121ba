using System.Globalization;

namespace RbpPipeline.Trainer.Adaptation;

/// <summary>
/// Watches D's training accuracy through stage 2 and returns one warning per collapse episode: the mean over the
/// last <c>window</c> iterations at or above 0.98 (D separates the domains completely; Mt gets no useful gradient)
/// or at or below 0.02 (D is fooled systematically; Mt overshoots). An episode ends when the mean leaves that range.
/// </summary>
public sealed class CollapseMonitor(int window)
{
    public const double High = 0.98;
    public const double Low = 0.02;

    /// <summary>What the shifted benchmark showed for each kind of collapse (BENCHMARKS.md#rbp-adda).</summary>
    public const string HighAdvice =
        "Not seen in the benchmark; rebalance the game with a faster Mt (target_encoder_learning_rate) or a slower D (discriminator_learning_rate), " +
        "and keep target_supervision: true (the default), which anchors Mt to the target labels";

    public const string LowAdvice =
        "In the shifted benchmark target_supervision: true (the default) never collapsed and kept the target Pearson; without it, " +
        "discriminator_learning_rate 5e-4 with target_encoder_learning_rate 1e-4 stopped the collapse, though not the loss of target Pearson";

    private readonly Queue<double> _recent = new();
    private double _sum;
    private bool _collapsed;

    public int Warnings { get; private set; }

    /// <summary>Adds iteration <paramref name="iteration"/>'s accuracy; returns a warning when a collapse starts, else null.</summary>
    public string? Add(int iteration, double accuracy)
    {
        if (window <= 0) return null;
        _recent.Enqueue(accuracy);
        _sum += accuracy;
        if (_recent.Count > window) _sum -= _recent.Dequeue();
        if (_recent.Count < window) return null;
        var mean = _sum / window;
        var high = mean >= High;
        if (!high && mean > Low)
        {
            _collapsed = false;
            return null;
        }
        if (_collapsed) return null;
        _collapsed = true;
        Warnings++;
        var what = high
            ? "D tells the domains apart completely, so Mt's adversarial gradient carries no information"
            : "D is fooled systematically (it labels target features as source)";
        return string.Create(CultureInfo.InvariantCulture,
            $"rbp-adda stage 2: WARNING: collapse: D's training accuracy averaged {mean:F3} over iterations {iteration + 2 - window}–{iteration + 1}; {what}. " +
            $"{(high ? HighAdvice : LowAdvice)}.");
    }
}
