namespace RbpPipeline.Trainer.Metrics;

/// <summary>Agreement between predicted and measured scores (RNAcompete-style tasks).</summary>
public static class RegressionMetrics
{
    /// <summary>Pearson's r; NaN when either side is constant (as scipy, which warns and returns nan).</summary>
    public static double Pearson(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        RequireSameLength(x, y, minimum: 2);
        var meanX = Mean(x);
        var meanY = Mean(y);
        // Centring first (two passes) keeps the sums free of the cancellation the one-pass formula suffers.
        double sxy = 0, sxx = 0, syy = 0;
        for (var i = 0; i < x.Length; i++)
        {
            var dx = x[i] - meanX;
            var dy = y[i] - meanY;
            sxy += dx * dy;
            sxx += dx * dx;
            syy += dy * dy;
        }
        if (sxx == 0 || syy == 0) return double.NaN;
        var r = sxy / (Math.Sqrt(sxx) * Math.Sqrt(syy));
        return Math.Clamp(r, -1, 1);
    }

    /// <summary>Spearman's ρ: Pearson's r of the ranks, ties sharing their average rank.</summary>
    public static double Spearman(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        RequireSameLength(x, y, minimum: 2);
        return Pearson(Ranking.AverageRanks(x), Ranking.AverageRanks(y));
    }

    public static double MeanSquaredError(ReadOnlySpan<double> predicted, ReadOnlySpan<double> actual)
    {
        RequireSameLength(predicted, actual, minimum: 1);
        var sum = 0.0;
        for (var i = 0; i < predicted.Length; i++)
        {
            var d = predicted[i] - actual[i];
            sum += d * d;
        }
        return sum / predicted.Length;
    }

    internal static double Mean(ReadOnlySpan<double> values)
    {
        var sum = 0.0;
        foreach (var v in values) sum += v;
        return sum / values.Length;
    }

    internal static void RequireSameLength(ReadOnlySpan<double> a, ReadOnlySpan<double> b, int minimum)
    {
        if (a.Length != b.Length) throw new ArgumentException($"the two arrays differ in length ({a.Length} vs {b.Length})");
        if (a.Length < minimum) throw new ArgumentException($"at least {minimum} value(s) are needed, got {a.Length}");
        foreach (var v in a) if (double.IsNaN(v)) throw new ArgumentException("values must not be NaN");
        foreach (var v in b) if (double.IsNaN(v)) throw new ArgumentException("values must not be NaN");
    }
}
