namespace RbpPipeline.Visualization;

/// <summary>
/// The numbers behind one box of <see cref="BoxPlot"/>. Quartiles use linear interpolation between order statistics
/// (numpy's default <c>np.quantile(x, q)</c>, R type 7): with the n values sorted x[0] ≤ … ≤ x[n−1], the q-quantile
/// is x[⌊h⌋] + (h − ⌊h⌋)(x[⌊h⌋+1] − x[⌊h⌋]) for h = (n − 1)q. Whiskers follow Tukey: they reach the most extreme
/// values within 1.5 IQR of the box; values beyond are outliers.
/// </summary>
public sealed record BoxStatistics(
    int Count,
    double Q1,
    double Median,
    double Q3,
    double LowerWhisker,
    double UpperWhisker,
    IReadOnlyList<double> Outliers,
    double Mean)
{
    /// <summary>Interquartile range Q3 − Q1.</summary>
    public double Iqr => Q3 - Q1;

    /// <summary>Statistics of a non-empty sample of finite values.</summary>
    /// <exception cref="ArgumentException">Empty, or a NaN/infinite value (the message gives its index).</exception>
    public static BoxStatistics Compute(IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0) throw new ArgumentException("box statistics need at least one value", nameof(values));
        var sorted = new double[values.Count];
        var sum = 0.0;
        for (var i = 0; i < sorted.Length; i++)
        {
            var v = values[i];
            if (!double.IsFinite(v)) throw new ArgumentException($"value {Input.Describe(v)} at index {i}", nameof(values));
            sorted[i] = v;
            sum += v;
        }
        Array.Sort(sorted);

        var q1 = Quantile(sorted, 0.25);
        var median = Quantile(sorted, 0.5);
        var q3 = Quantile(sorted, 0.75);
        var reach = 1.5 * (q3 - q1);
        var lowFence = q1 - reach;
        var highFence = q3 + reach;
        // The whiskers reach the most extreme values inside the fences but never end inside the box (matplotlib's
        // convention): with no value between a quartile and its fence, the whisker has zero length.
        var lower = q1;
        var upper = q3;
        var outliers = new List<double>();
        foreach (var v in sorted)
            if (v < lowFence || v > highFence) outliers.Add(v);
        foreach (var v in sorted)
            if (v >= lowFence) { lower = Math.Min(v, q1); break; }
        for (var i = sorted.Length - 1; i >= 0; i--)
            if (sorted[i] <= highFence) { upper = Math.Max(sorted[i], q3); break; }
        return new BoxStatistics(sorted.Length, q1, median, q3, lower, upper, outliers, sum / sorted.Length);
    }

    /// <summary>The q-quantile (0 ≤ q ≤ 1) of ascending <paramref name="sorted"/> by linear interpolation (numpy's default).</summary>
    public static double Quantile(IReadOnlyList<double> sorted, double q)
    {
        ArgumentNullException.ThrowIfNull(sorted);
        if (sorted.Count == 0) throw new ArgumentException("quantile of an empty sample", nameof(sorted));
        if (!(q >= 0 && q <= 1)) throw new ArgumentOutOfRangeException(nameof(q), q, "must be in [0, 1]");
        var h = (sorted.Count - 1) * q;
        var below = (int)Math.Floor(h);
        if (below >= sorted.Count - 1) return sorted[^1];
        var fraction = h - below;
        return sorted[below] + fraction * (sorted[below + 1] - sorted[below]);
    }
}
