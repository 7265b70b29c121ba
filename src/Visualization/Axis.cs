using System.Globalization;

namespace RbpPipeline.Visualization;

/// <summary>Tick placement on a numeric axis: steps of 1, 2 or 5 times a power of ten.</summary>
public static class Axis
{
    /// <summary>
    /// The smallest step of the form {1, 2, 5} × 10^k that splits <paramref name="span"/> into at most
    /// <paramref name="targetTickCount"/> intervals.
    /// </summary>
    public static double NiceStep(double span, int targetTickCount = 5)
    {
        if (!double.IsFinite(span) || span <= 0) throw new ArgumentOutOfRangeException(nameof(span), span, "must be positive and finite");
        if (targetTickCount < 1) throw new ArgumentOutOfRangeException(nameof(targetTickCount), targetTickCount, "must be at least 1");
        var raw = span / targetTickCount;
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        var fraction = raw / magnitude;
        // The small tolerance keeps a raw step of exactly 2 × 10^k (up to rounding) at 2 rather than jumping to 5.
        var nice = fraction <= 1 + 1e-9 ? 1 : fraction <= 2 + 1e-9 ? 2 : fraction <= 5 + 1e-9 ? 5 : 10;
        return nice * magnitude;
    }

    /// <summary>The multiples of <paramref name="step"/> within [min, max] (inclusive, up to rounding).</summary>
    public static IReadOnlyList<double> Ticks(double min, double max, double step)
    {
        if (!double.IsFinite(step) || step <= 0) throw new ArgumentOutOfRangeException(nameof(step), step, "must be positive and finite");
        if (!double.IsFinite(min) || !double.IsFinite(max) || max < min) throw new ArgumentException($"invalid range [{min}, {max}]");
        var first = (long)Math.Ceiling(min / step - 1e-9);
        var last = (long)Math.Floor(max / step + 1e-9);
        var ticks = new List<double>();
        // Multiplying k × step (rather than adding step repeatedly) keeps 0.1 + 0.2-style drift out of the labels.
        for (var k = first; k <= last; k++) ticks.Add(k == 0 ? 0 : k * step);
        return ticks;
    }

    /// <summary>
    /// A tick label with just enough decimals to tell ticks <paramref name="step"/> apart; steps below 10^−4 or from
    /// 10^6 up use scientific notation (1.5E-07) rather than a long run of zeros.
    /// </summary>
    public static string FormatTick(double value, double step)
    {
        if (step < 1e-4 || step >= 1e6)
        {
            var multiple = Math.Round(value / step) * step;
            return multiple == 0 ? "0" : multiple.ToString("0.###E+0", CultureInfo.InvariantCulture);
        }
        var decimals = 0;
        while (decimals < 10 && Math.Abs(Math.Round(step, decimals) - step) > 1e-9 * Math.Abs(step)) decimals++;
        var rounded = Math.Round(value, decimals, MidpointRounding.AwayFromZero);
        // Adding 0.0 turns a negative zero into a positive one, so that no tick reads "-0.0".
        return (rounded + 0.0).ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
    }
}
