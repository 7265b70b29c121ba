namespace RbpPipeline.Contracts.Labels;

/// <summary>
/// The statistics label transforms are fitted with, defined as numpy computes them so that a transform fitted
/// here matches one fitted in Python on the same labels.
/// </summary>
public static class LabelStatistics
{
    /// <summary>
    /// numpy.percentile with its default ("linear") interpolation: with the values sorted ascending as x₀…xₙ₋₁ and
    /// h = (n − 1)·p/100, the result is x⌊h⌋ + (h − ⌊h⌋)·(x⌊h⌋₊₁ − x⌊h⌋), and xₙ₋₁ when h reaches n − 1.
    /// </summary>
    public static double Percentile(IEnumerable<double> values, double percent)
    {
        if (!(percent is >= 0 and <= 100)) throw new ArgumentOutOfRangeException(nameof(percent), percent, "a percentile lies in [0, 100]");
        var sorted = values.ToArray();
        if (sorted.Length == 0) throw new ArgumentException("the percentile of no values is undefined", nameof(values));
        Array.Sort(sorted);
        var h = (sorted.Length - 1) * (percent / 100);
        var below = (int)Math.Floor(h);
        if (below >= sorted.Length - 1) return sorted[^1];
        double a = sorted[below], b = sorted[below + 1], t = h - below, diff = b - a;
        // numpy's _lerp interpolates from the nearer end, which keeps the result monotonic in t; copied so results
        // agree to the last bit.
        return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
    }

    public static double Mean(IReadOnlyCollection<double> values)
    {
        if (values.Count == 0) throw new ArgumentException("the mean of no values is undefined", nameof(values));
        return Sum(values) / values.Count;
    }

    /// <summary>The population standard deviation (numpy.std's default ddof = 0), computed in two passes.</summary>
    public static double StandardDeviation(IReadOnlyCollection<double> values)
    {
        var mean = Mean(values);
        return Math.Sqrt(Sum(values.Select(v => (v - mean) * (v - mean))) / values.Count);
    }

    // Neumaier's compensated sum: label sets reach millions of values, where a plain running sum loses digits.
    private static double Sum(IEnumerable<double> values)
    {
        double sum = 0, compensation = 0;
        foreach (var v in values)
        {
            var t = sum + v;
            compensation += Math.Abs(sum) >= Math.Abs(v) ? (sum - t) + v : (v - t) + sum;
            sum = t;
        }
        return sum + compensation;
    }
}
