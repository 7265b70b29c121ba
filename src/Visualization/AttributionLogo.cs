using System.Globalization;

namespace RbpPipeline.Visualization;

/// <summary>
/// Sequence logo of an attribution map (saliency, gradient × input, DeepLIFT, ISM means, …). At each position the
/// four letters are stacked with heights |value| × pixels-per-unit: positive values above the zero line, negative
/// values below it, smallest magnitude nearest the line and largest farthest from it. The y axis is in
/// attribution units and, unless fixed in the options, runs exactly from the deepest negative stack to the
/// tallest positive stack, so that the letters use the whole height.
/// </summary>
public static class AttributionLogo
{
    /// <summary>Renders the logo as SVG text.</summary>
    /// <param name="attribution">[4, L], channel-major: values of A for positions 0..L−1, then C, G, U.</param>
    /// <param name="title">Drawn above the logo; null for none.</param>
    /// <param name="positionLabels">L labels shown at the x ticks instead of 1-based positions (e.g. genomic coordinates).</param>
    /// <exception cref="ArgumentException">Wrong shape, or a NaN/infinite value (the message names position and channel).</exception>
    public static string Render(float[] attribution, string? title = null, IReadOnlyList<string>? positionLabels = null,
        AttributionLogoOptions? options = null) =>
        Build(attribution, title, positionLabels, options).ToString();

    /// <summary>As <see cref="Render"/>, returned as a document (<see cref="SvgDocument.WriteTo"/> streams it).</summary>
    public static SvgDocument Build(float[] attribution, string? title = null, IReadOnlyList<string>? positionLabels = null,
        AttributionLogoOptions? options = null)
    {
        options ??= AttributionLogoOptions.Default;
        var length = Input.ChannelMajorLength(attribution, nameof(attribution), "attribution");
        Input.PositionLabels(positionLabels, length, nameof(positionLabels));
        Input.Positive(options.PixelsPerPosition, nameof(options.PixelsPerPosition));
        Input.Positive(options.PlotHeight, nameof(options.PlotHeight));
        Input.Fraction(options.LetterWidthFraction, nameof(options.LetterWidthFraction));
        Input.TickEvery(options.TickEvery, nameof(options.TickEvery));
        var style = options.Style;

        var (yMin, yMax) = YRange(attribution, length, options);
        var step = Axis.NiceStep(yMax - yMin, 5);
        var ticks = Axis.Ticks(yMin, yMax, step);

        string Label(int index) => positionLabels?[index] ?? (index + 1).ToString(CultureInfo.InvariantCulture);
        var pixelsPerPosition = Math.Max(options.PixelsPerPosition, options.MinPlotWidth / length);
        var xTicks = PlotFrame.PositionTicks(length, options.TickEvery, pixelsPerPosition, Label, style.FontSize);

        var plotLeft = Math.Max(style.Margin + PlotFrame.YAxisWidth(style, ticks, step, options.YLabel),
            PlotFrame.FirstLabelRoom(xTicks, Label, pixelsPerPosition, style));
        var plotTop = PlotFrame.TitleHeight(title, style) + style.FontSize * 0.6;
        var plotWidth = pixelsPerPosition * length;
        var plotHeight = options.PlotHeight;
        // The last tick label is centred on its column and may stick out past the plot's right edge.
        var lastLabelOverhang = xTicks.Count == 0 ? 0 : PlotFrame.TextWidth(Label(xTicks[^1]), style.FontSize) / 2;
        var contentWidth = plotLeft + plotWidth + Math.Max(style.Margin, lastLabelOverhang + 2);
        var width = Math.Max(contentWidth, PlotFrame.TitleWidth(title, style));
        // A title wider than the plot would otherwise leave the plot hugging the left edge.
        var shift = (width - contentWidth) / 2;
        plotLeft += shift;
        var height = plotTop + plotHeight + PlotFrame.XAxisHeight(style, options.XLabel) + style.Margin;

        var document = PlotFrame.Start(width, height, title, style);
        var scale = new LinearScale(yMin, yMax, plotTop + plotHeight, plotTop);
        PlotFrame.DrawYAxis(document, style, plotLeft, scale, ticks, step, options.YLabel, shift + PlotFrame.YLabelX(style));
        if (yMin <= 0 && yMax >= 0)
            document.Line(plotLeft, scale.Map(0), plotLeft + plotWidth, scale.Map(0), options.ZeroLineColor, cssClass: "zero-line");

        var fixedRange = options.YMin is not null || options.YMax is not null;
        string? clipId = null;
        if (fixedRange)
        {
            clipId = document.NewId("clip");
            document.DefineClipRectangle(clipId, plotLeft, plotTop, plotWidth, plotHeight);
        }
        document.BeginGroup("letters", clipId);
        var baseline = scale.Map(0);
        var letterWidth = pixelsPerPosition * options.LetterWidthFraction;
        var inset = (pixelsPerPosition - letterWidth) / 2;
        Span<double> column = stackalloc double[4];
        for (var i = 0; i < length; i++)
        {
            for (var c = 0; c < 4; c++) column[c] = attribution[c * length + i];
            LogoColumns.Draw(document, column, plotLeft + i * pixelsPerPosition + inset, letterWidth, baseline,
                scale.PixelsPerUnit, options.Colors);
        }
        document.EndGroup();

        PlotFrame.DrawPositionAxis(document, style, plotLeft, plotWidth, plotTop + plotHeight, pixelsPerPosition, xTicks,
            Label, options.XLabel);
        return document;
    }

    /// <summary>
    /// The y range: the options' fixed ends where given, the data's stacks elsewhere (always including 0 so the
    /// zero line is visible). An all-zero map gets [−1, 1]: an axis to look at and no division by zero.
    /// </summary>
    private static (double Min, double Max) YRange(float[] attribution, int length, AttributionLogoOptions options)
    {
        double tallest = 0, deepest = 0;
        for (var i = 0; i < length; i++)
        {
            double up = 0, down = 0;
            for (var c = 0; c < 4; c++)
            {
                var value = attribution[c * length + i];
                if (value > 0) up += value;
                else down += value;
            }
            tallest = Math.Max(tallest, up);
            deepest = Math.Min(deepest, down);
        }

        if (options.YMin is { } fixedMin && !double.IsFinite(fixedMin)) throw new ArgumentOutOfRangeException(nameof(options.YMin), fixedMin, "must be finite");
        if (options.YMax is { } fixedMax && !double.IsFinite(fixedMax)) throw new ArgumentOutOfRangeException(nameof(options.YMax), fixedMax, "must be finite");
        if (options.YMin is { } a && options.YMax is { } b && !(a < b))
            throw new ArgumentException($"YMin ({a}) must be below YMax ({b})", nameof(options));

        if (options.YMin is null && options.YMax is null && tallest == 0 && deepest == 0) return (-1, 1);
        var min = options.YMin ?? deepest;
        var max = options.YMax ?? tallest;
        if (max > min) return (min, max);
        // One end fixed on the far side of the data (or the data all on one side of a fixed end): keep the fixed
        // end and give the axis a unit-sized span on the free side.
        var span = Math.Max(1, Math.Max(Math.Abs(min), Math.Abs(max)));
        return options.YMin is not null ? (min, min + span) : (max - span, max);
    }
}
