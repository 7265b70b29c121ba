using System.Globalization;

namespace RbpPipeline.Visualization;

/// <summary>
/// Sequence logo of an attribution map (saliency, gradient × input, integrated gradients, ISM means, …). By default
/// (<see cref="AttributionLogoMode.Projected"/>) each position shows one letter, its observed base, as tall as the
/// position's attributions summed over the four channels: above the zero line when the sum is positive, below it
/// when negative. In <see cref="AttributionLogoMode.PerChannel"/> mode the four letters are stacked with heights
/// |value| × pixels-per-unit: positive values above the zero line, negative values below it, smallest magnitude
/// nearest the line and largest farthest from it. The y axis is in attribution units and, unless fixed in the
/// options, runs exactly from the deepest negative stack to the tallest positive stack, so that the letters use
/// the whole height. Every letter carries its position, base and value as data- attributes (and a hover title).
/// </summary>
public static class AttributionLogo
{
    /// <summary>Renders the logo as SVG text.</summary>
    /// <param name="attribution">[4, L], channel-major: values of A for positions 0..L−1, then C, G, U.</param>
    /// <param name="sequence">
    /// The L observed bases (A, C, G, U or T, any case; N and other IUPAC codes draw no letter in projected mode).
    /// Required in projected mode (the default); optional in per-channel mode, where it only enters the tooltips.
    /// </param>
    /// <param name="title">Drawn above the logo; null for none.</param>
    /// <param name="positionLabels">L labels shown at the x ticks instead of 1-based positions (e.g. genomic coordinates).</param>
    /// <exception cref="ArgumentException">
    /// Wrong shape, a NaN/infinite value (the message names position and channel), a sequence of the wrong length or
    /// with an unknown base, or no sequence in projected mode.
    /// </exception>
    public static string Render(float[] attribution, string? sequence, string? title = null, IReadOnlyList<string>? positionLabels = null,
        AttributionLogoOptions? options = null) =>
        Build(attribution, sequence, title, positionLabels, options).ToString();

    /// <summary>As <see cref="Render"/>, returned as a document (<see cref="SvgDocument.WriteTo"/> streams it).</summary>
    public static SvgDocument Build(float[] attribution, string? sequence, string? title = null, IReadOnlyList<string>? positionLabels = null,
        AttributionLogoOptions? options = null)
    {
        options ??= AttributionLogoOptions.Default;
        var length = Input.ChannelMajorLength(attribution, nameof(attribution), "attribution");
        var observed = Observed(sequence, length, options.Mode);
        var drawn = Drawn(attribution, observed, length, options.Mode);
        Input.PositionLabels(positionLabels, length, nameof(positionLabels));
        Input.Positive(options.PixelsPerPosition, nameof(options.PixelsPerPosition));
        Input.Positive(options.PlotHeight, nameof(options.PlotHeight));
        Input.Fraction(options.LetterWidthFraction, nameof(options.LetterWidthFraction));
        Input.TickEvery(options.TickEvery, nameof(options.TickEvery));
        var style = options.Style;

        var (yMin, yMax) = YRange(drawn, length, options);
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
            for (var c = 0; c < 4; c++) column[c] = drawn[c * length + i];
            var position = i;
            LogoColumns.Draw(document, column, plotLeft + i * pixelsPerPosition + inset, letterWidth, baseline,
                scale.PixelsPerUnit, options.Colors, (channel, value) => Describe(position, channel, value, observed, positionLabels, options));
        }
        document.EndGroup();

        PlotFrame.DrawPositionAxis(document, style, plotLeft, plotWidth, plotTop + plotHeight, pixelsPerPosition, xTicks,
            Label, options.XLabel);
        return document;
    }

    /// <summary>
    /// The values drawn, [4, L] channel-major like the input: the input itself in per-channel mode; in projected
    /// mode each position's sum over channels in the observed base's channel and 0 elsewhere (no letter at all
    /// where the base is N or another ambiguity code). A value of 0 draws no letter.
    /// </summary>
    /// <param name="sequence">The observed bases; required in projected mode, may be null in per-channel mode.</param>
    /// <exception cref="ArgumentException">As <see cref="Render"/>.</exception>
    public static double[] LetterValues(float[] attribution, string? sequence, AttributionLogoMode mode = AttributionLogoMode.Projected)
    {
        var length = Input.ChannelMajorLength(attribution, nameof(attribution), "attribution");
        return Drawn(attribution, Observed(sequence, length, mode), length, mode);
    }

    private static int[]? Observed(string? sequence, int length, AttributionLogoMode mode)
    {
        if (mode is not (AttributionLogoMode.Projected or AttributionLogoMode.PerChannel))
            throw new ArgumentOutOfRangeException(nameof(mode), mode, "expected AttributionLogoMode.Projected or PerChannel");
        if (sequence is null)
            return mode == AttributionLogoMode.Projected
                ? throw new ArgumentException(
                    "a projected attribution logo draws each position as its observed base: pass the sequence, or set Mode = AttributionLogoMode.PerChannel",
                    nameof(sequence))
                : null;
        return Input.BaseChannels(sequence, length, nameof(sequence), "sequence", "the attribution map has");
    }

    private static double[] Drawn(float[] attribution, int[]? observed, int length, AttributionLogoMode mode)
    {
        var drawn = new double[4 * length];
        if (mode == AttributionLogoMode.PerChannel)
        {
            for (var k = 0; k < drawn.Length; k++) drawn[k] = attribution[k];
            return drawn;
        }
        for (var i = 0; i < length; i++)
        {
            if (observed![i] < 0) continue;
            double sum = 0;
            for (var c = 0; c < 4; c++) sum += attribution[c * length + i];
            drawn[observed[i] * length + i] = sum;
        }
        return drawn;
    }

    private static DataPoint Describe(int position, int channel, double value, int[]? observed, IReadOnlyList<string>? labels,
        AttributionLogoOptions options)
    {
        var letter = LetterGlyphs.Alphabet[channel];
        var label = labels?[position];
        string? tooltip = null;
        if (options.Tooltips)
        {
            var where = label ?? $"position {(position + 1).ToString(CultureInfo.InvariantCulture)}";
            tooltip = options.Mode == AttributionLogoMode.Projected
                ? $"{where} {letter}: {SvgFormat.Significant(value, 4)} (sum over channels)"
                : observed is null
                    ? $"{where} {letter}: {SvgFormat.Significant(value, 4)}"
                    : $"{where} (observed {Input.BaseLetter(observed[position])}) {letter}: {SvgFormat.Significant(value, 4)}";
        }
        return new DataPoint(position, letter, value, label, tooltip);
    }

    /// <summary>
    /// The y range: the options' fixed ends where given, the data's stacks elsewhere (always including 0 so the
    /// zero line is visible). An all-zero map gets [−1, 1]: an axis to look at and no division by zero.
    /// </summary>
    private static (double Min, double Max) YRange(double[] drawn, int length, AttributionLogoOptions options)
    {
        double tallest = 0, deepest = 0;
        for (var i = 0; i < length; i++)
        {
            double up = 0, down = 0;
            for (var c = 0; c < 4; c++)
            {
                var value = drawn[c * length + i];
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
