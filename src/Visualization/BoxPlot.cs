namespace RbpPipeline.Visualization;

/// <summary>One box of a <see cref="BoxPlot"/>: e.g. the local effects of one inserted motif across background sequences.</summary>
/// <param name="Label">Shown under the box.</param>
/// <param name="Values">The sample; may be empty (drawn as an empty slot marked "n = 0").</param>
/// <param name="GlobalImportance">The value drawn as a diamond; null: the mean of <paramref name="Values"/>.</param>
public sealed record BoxPlotGroup(string Label, IReadOnlyList<double> Values, double? GlobalImportance = null);

/// <summary>
/// Box plot of global-importance-analysis local effects: per group a box from Q1 to Q3 with the median, Tukey
/// whiskers (1.5 IQR), outliers as open circles and the group's global importance (by default its mean) as a
/// diamond. Quartiles are numpy's default linear interpolation (see <see cref="BoxStatistics"/>). The y axis ends
/// on nice ticks around all values and highlights; a dashed line marks zero effect.
/// </summary>
public static class BoxPlot
{
    private const double DiamondHalfSize = 5;

    /// <summary>Renders the box plot as SVG text.</summary>
    /// <exception cref="ArgumentException">No groups, or a NaN/infinite value (the message names group and index).</exception>
    public static string Render(IReadOnlyList<BoxPlotGroup> groups, string? title = null, BoxPlotOptions? options = null) =>
        Build(groups, title, options).ToString();

    /// <summary>As <see cref="Render"/>, returned as a document (<see cref="SvgDocument.WriteTo"/> streams it).</summary>
    public static SvgDocument Build(IReadOnlyList<BoxPlotGroup> groups, string? title = null, BoxPlotOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(groups);
        if (groups.Count == 0) throw new ArgumentException("a box plot needs at least one group", nameof(groups));
        options ??= BoxPlotOptions.Default;
        Input.Positive(options.SlotWidth, nameof(options.SlotWidth));
        Input.Positive(options.PlotHeight, nameof(options.PlotHeight));
        Input.Fraction(options.BoxWidthFraction, nameof(options.BoxWidthFraction));
        var style = options.Style;

        var stats = new BoxStatistics?[groups.Count];
        var highlights = new double?[groups.Count];
        for (var g = 0; g < groups.Count; g++)
        {
            var group = groups[g] ?? throw new ArgumentException($"group {g} is null", nameof(groups));
            ArgumentNullException.ThrowIfNull(group.Label, $"{nameof(groups)}[{g}].Label");
            ArgumentNullException.ThrowIfNull(group.Values, $"{nameof(groups)}[{g}].Values");
            for (var i = 0; i < group.Values.Count; i++)
                if (!double.IsFinite(group.Values[i]))
                    throw new ArgumentException($"group {g} ('{group.Label}') has {Input.Describe(group.Values[i])} at index {i}", nameof(groups));
            if (group.GlobalImportance is { } given && !double.IsFinite(given))
                throw new ArgumentException($"group {g} ('{group.Label}') has global importance {Input.Describe(given)}", nameof(groups));
            stats[g] = group.Values.Count == 0 ? null : BoxStatistics.Compute(group.Values);
            highlights[g] = group.GlobalImportance ?? stats[g]?.Mean;
        }

        var (yMin, yMax, step) = YRange(stats, highlights);
        var ticks = Axis.Ticks(yMin, yMax, step);

        var plotWidth = Math.Max(options.SlotWidth * groups.Count, options.MinPlotWidth);
        var slot = plotWidth / groups.Count;
        var widestLabel = 0.0;
        foreach (var group in groups) widestLabel = Math.Max(widestLabel, PlotFrame.TextWidth(group.Label, style.FontSize));
        var rotate = options.RotateLabels ?? widestLabel > slot - 4;
        // A 45° label of width w drops w·sin45 below its anchor and reaches as far to the left.
        var labelDrop = rotate ? widestLabel * Math.Sqrt(0.5) + style.FontSize : style.FontSize * 1.3;

        var plotLeft = style.Margin + PlotFrame.YAxisWidth(style, ticks, step, options.YLabel);
        if (rotate) plotLeft = Math.Max(plotLeft, style.Margin + widestLabel * Math.Sqrt(0.5) - slot / 2);
        var legendHeight = style.FontSize * 1.6;
        var plotTop = PlotFrame.TitleHeight(title, style) + legendHeight;
        var plotHeight = options.PlotHeight;
        var legendWidth = 2 * DiamondHalfSize + 6 + PlotFrame.TextWidth(options.HighlightLabel, style.FontSize);
        var contentWidth = plotLeft + Math.Max(plotWidth, legendWidth) + style.Margin;
        var width = Math.Max(contentWidth, PlotFrame.TitleWidth(title, style));
        // A title wider than the plot would otherwise leave the plot hugging the left edge.
        var shift = (width - contentWidth) / 2;
        plotLeft += shift;
        var height = plotTop + plotHeight + PlotFrame.TickLength + labelDrop + style.Margin;

        var document = PlotFrame.Start(width, height, title, style);
        var scale = new LinearScale(yMin, yMax, plotTop + plotHeight, plotTop);
        PlotFrame.DrawYAxis(document, style, plotLeft, scale, ticks, step, options.YLabel, shift + PlotFrame.YLabelX(style));
        document.Line(plotLeft, plotTop + plotHeight, plotLeft + plotWidth, plotTop + plotHeight, style.AxisColor, cssClass: "x-axis-line");
        if (options.ZeroLine && yMin < 0 && yMax > 0)
            document.Line(plotLeft, scale.Map(0), plotLeft + plotWidth, scale.Map(0), "#999999", 1, "4 3", "zero-line");
        DrawLegend(document, style, options, plotLeft + Math.Max(plotWidth, legendWidth), plotTop - legendHeight / 2);

        for (var g = 0; g < groups.Count; g++)
        {
            var center = plotLeft + (g + 0.5) * slot;
            var s = stats[g];
            document.BeginGroup("box-group", tooltip: Tooltip(groups[g], s, highlights[g]));
            if (s is null)
                document.Text(center, scale.Map((yMin + yMax) / 2) + 0.35 * style.FontSize, "n = 0", TextAnchor.Middle,
                    fill: "#888888", cssClass: "empty-note");
            else
                DrawBox(document, options, scale, center, slot * options.BoxWidthFraction, s);
            if (highlights[g] is { } h)
                document.Path(Diamond(center, scale.Map(h)), options.HighlightColor, "#ffffff", 0.8, "highlight");
            document.EndGroup();
        }

        document.BeginGroup("x-axis");
        var tickBottom = plotTop + plotHeight + PlotFrame.TickLength;
        for (var g = 0; g < groups.Count; g++)
        {
            var center = plotLeft + (g + 0.5) * slot;
            document.Line(center, plotTop + plotHeight, center, tickBottom, style.AxisColor, cssClass: "x-tick");
            if (rotate)
                document.Text(center + style.FontSize * 0.3, tickBottom + style.FontSize * 0.8, groups[g].Label, TextAnchor.End,
                    fill: style.TextColor, rotation: -45, cssClass: "x-tick-label");
            else
                document.Text(center, tickBottom + style.FontSize * 0.95, groups[g].Label, TextAnchor.Middle, fill: style.TextColor,
                    cssClass: "x-tick-label");
        }
        document.EndGroup();
        return document;
    }

    private static void DrawBox(SvgDocument document, BoxPlotOptions options, LinearScale scale, double center, double boxWidth,
        BoxStatistics s)
    {
        var left = center - boxWidth / 2;
        var capHalf = boxWidth / 4;
        var yQ1 = scale.Map(s.Q1);
        var yQ3 = scale.Map(s.Q3);
        document.Line(center, yQ3, center, scale.Map(s.UpperWhisker), options.BoxStroke, cssClass: "whisker");
        document.Line(center, yQ1, center, scale.Map(s.LowerWhisker), options.BoxStroke, cssClass: "whisker");
        document.Line(center - capHalf, scale.Map(s.UpperWhisker), center + capHalf, scale.Map(s.UpperWhisker), options.BoxStroke, cssClass: "whisker-cap");
        document.Line(center - capHalf, scale.Map(s.LowerWhisker), center + capHalf, scale.Map(s.LowerWhisker), options.BoxStroke, cssClass: "whisker-cap");
        document.Rect(left, yQ3, boxWidth, yQ1 - yQ3, options.BoxFill, options.BoxStroke, 1, "box");
        document.Line(left, scale.Map(s.Median), left + boxWidth, scale.Map(s.Median), options.MedianColor, 2, cssClass: "median");
        foreach (var outlier in s.Outliers)
            document.Circle(center, scale.Map(outlier), options.OutlierRadius, "none", options.OutlierColor, 1, "outlier");
    }

    private static void DrawLegend(SvgDocument document, PlotStyle style, BoxPlotOptions options, double right, double middle)
    {
        var textWidth = PlotFrame.TextWidth(options.HighlightLabel, style.FontSize);
        document.BeginGroup("legend");
        document.Path(Diamond(right - textWidth - 6 - DiamondHalfSize, middle), options.HighlightColor, "#ffffff", 0.8, "legend-highlight");
        document.Text(right, middle + 0.35 * style.FontSize, options.HighlightLabel, TextAnchor.End, fill: style.TextColor, cssClass: "legend-label");
        document.EndGroup();
    }

    private static string Diamond(double x, double y) =>
        $"M{SvgFormat.Coord(x)} {SvgFormat.Coord(y - DiamondHalfSize)}L{SvgFormat.Coord(x + DiamondHalfSize)} {SvgFormat.Coord(y)}" +
        $"L{SvgFormat.Coord(x)} {SvgFormat.Coord(y + DiamondHalfSize)}L{SvgFormat.Coord(x - DiamondHalfSize)} {SvgFormat.Coord(y)}Z";

    private static string Tooltip(BoxPlotGroup group, BoxStatistics? s, double? highlight)
    {
        if (s is null) return $"{group.Label}: n = 0";
        var text = $"{group.Label}: n = {s.Count}, median {SvgFormat.Significant(s.Median, 4)}, Q1 {SvgFormat.Significant(s.Q1, 4)}, " +
                   $"Q3 {SvgFormat.Significant(s.Q3, 4)}, mean {SvgFormat.Significant(s.Mean, 4)}";
        return highlight is { } h && group.GlobalImportance is not null ? text + $", global importance {SvgFormat.Significant(h, 4)}" : text;
    }

    /// <summary>
    /// Every value and highlight, padded by 5% so that extreme points do not sit on the frame, ticks at a nice step
    /// inside (extending the axis to the next tick could waste almost a whole step at each end); a sample without
    /// spread gets a range around its value.
    /// </summary>
    private static (double Min, double Max, double Step) YRange(BoxStatistics?[] stats, double?[] highlights)
    {
        double lo = double.PositiveInfinity, hi = double.NegativeInfinity;
        foreach (var s in stats)
        {
            if (s is null) continue;
            lo = Math.Min(lo, Math.Min(s.LowerWhisker, s.Outliers.Count > 0 ? s.Outliers[0] : s.LowerWhisker));
            hi = Math.Max(hi, Math.Max(s.UpperWhisker, s.Outliers.Count > 0 ? s.Outliers[^1] : s.UpperWhisker));
        }
        foreach (var h in highlights)
        {
            if (h is not { } v) continue;
            lo = Math.Min(lo, v);
            hi = Math.Max(hi, v);
        }
        if (double.IsInfinity(lo)) (lo, hi) = (0, 1);
        // Identical values can still differ in the last bits from their own mean (0.2 × 3 / 3 ≠ 0.2): a spread
        // this small relative to the values is no spread, and drawing it would need meaningless tick decimals.
        if (hi - lo <= 1e-9 * Math.Max(Math.Abs(lo), Math.Abs(hi)))
        {
            var half = Math.Max(0.5, Math.Abs(lo) * 0.1);
            (lo, hi) = (lo - half, hi + half);
        }
        var pad = (hi - lo) * 0.05;
        return (lo - pad, hi + pad, Axis.NiceStep(hi - lo + 2 * pad, 6));
    }
}
