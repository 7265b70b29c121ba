using System.Globalization;

namespace RbpPipeline.Visualization;

/// <summary>
/// In-silico mutagenesis heatmap: one row per alternative base (A, C, G, U top to bottom), one column per position,
/// each cell coloured by the prediction delta alt − ref on a diverging scale symmetric around 0 (negative colour,
/// white at 0, positive colour). A dot marks the reference base of each position (its own cell, delta 0 by
/// construction). Optionally a logo of the per-position norm sits above the heatmap: one letter per position, the
/// reference base, as tall as the norm, so the positions whose mutation matters stand out. Every cell carries
/// its position, alternative base and delta as data- attributes (and a hover title); every norm letter its
/// position, reference base and norm.
/// </summary>
public static class IsmHeatmap
{
    /// <summary>Renders the heatmap as SVG text.</summary>
    /// <param name="deltas">[4, L], channel-major like <see cref="AttributionLogo"/>: delta of mutating to A at positions 0..L−1, then C, G, U.</param>
    /// <param name="referenceSequence">L bases (A, C, G, U or T, any case; N and other IUPAC ambiguity codes are drawn without marker or norm letter).</param>
    /// <param name="positionNorms">L non-negative values (e.g. the L2 norm of each column of <paramref name="deltas"/>); null for no norm logo.</param>
    /// <param name="title">Drawn above the picture; null for none.</param>
    /// <param name="positionLabels">L labels shown at the x ticks instead of 1-based positions.</param>
    /// <exception cref="ArgumentException">Shape mismatch, a non-finite value, a negative norm or an unknown base (the message names the position).</exception>
    public static string Render(float[] deltas, string referenceSequence, float[]? positionNorms = null, string? title = null,
        IReadOnlyList<string>? positionLabels = null, IsmHeatmapOptions? options = null) =>
        Build(deltas, referenceSequence, positionNorms, title, positionLabels, options).ToString();

    /// <summary>As <see cref="Render"/>, returned as a document (<see cref="SvgDocument.WriteTo"/> streams it).</summary>
    public static SvgDocument Build(float[] deltas, string referenceSequence, float[]? positionNorms = null, string? title = null,
        IReadOnlyList<string>? positionLabels = null, IsmHeatmapOptions? options = null)
    {
        options ??= IsmHeatmapOptions.Default;
        var length = Input.ChannelMajorLength(deltas, nameof(deltas), "deltas");
        var reference = Input.BaseChannels(referenceSequence, length, nameof(referenceSequence), "reference sequence", "the deltas have");
        var maxNorm = CheckNorms(positionNorms, length);
        Input.PositionLabels(positionLabels, length, nameof(positionLabels));
        Input.Positive(options.PixelsPerPosition, nameof(options.PixelsPerPosition));
        Input.Positive(options.CellHeight, nameof(options.CellHeight));
        Input.Positive(options.NormLogoHeight, nameof(options.NormLogoHeight));
        Input.Positive(options.ColorBarWidth, nameof(options.ColorBarWidth));
        Input.Positive(options.ColorBarHeight, nameof(options.ColorBarHeight));
        Input.Fraction(options.LetterWidthFraction, nameof(options.LetterWidthFraction));
        Input.TickEvery(options.TickEvery, nameof(options.TickEvery));
        if (options.ColorLimit is { } fixedLimit) Input.Positive(fixedLimit, nameof(options.ColorLimit));
        var style = options.Style;

        var largest = 0.0;
        foreach (var delta in deltas) largest = Math.Max(largest, Math.Abs(delta));
        // An all-zero map is white whatever the limit; 1 keeps the scale defined and the colour bar readable.
        var colors = new DivergingColorScale(options.ColorLimit ?? (largest > 0 ? largest : 1), options);

        string Label(int index) => positionLabels?[index] ?? (index + 1).ToString(CultureInfo.InvariantCulture);
        var pixelsPerPosition = Math.Max(options.PixelsPerPosition, options.MinPlotWidth / length);
        var xTicks = PlotFrame.PositionTicks(length, options.TickEvery, pixelsPerPosition, Label, style.FontSize);

        // The norm panel's y axis and the heatmap's row labels share the left margin.
        double normStep = 1;
        IReadOnlyList<double> normTicks = [];
        var normTop = maxNorm > 0 ? maxNorm : 1;
        var leftNeeded = PlotFrame.TextWidth("A", style.FontSize) + 6;
        if (positionNorms is not null)
        {
            normStep = Axis.NiceStep(normTop, 3);
            normTicks = Axis.Ticks(0, normTop, normStep);
            leftNeeded = Math.Max(leftNeeded, PlotFrame.YAxisWidth(style, normTicks, normStep, options.NormLabel));
        }
        var plotLeft = Math.Max(style.Margin + leftNeeded, PlotFrame.FirstLabelRoom(xTicks, Label, pixelsPerPosition, style));
        var plotWidth = pixelsPerPosition * length;
        var top = PlotFrame.TitleHeight(title, style) + style.FontSize * 0.6;
        var heatmapTop = positionNorms is null ? top : top + options.NormLogoHeight + 6;
        var heatmapHeight = 4 * options.CellHeight;
        var axisBottom = heatmapTop + heatmapHeight + PlotFrame.XAxisHeight(style, options.XLabel);
        var barTop = axisBottom + style.FontSize * 0.8;
        var barLabelBaseline = barTop + options.ColorBarHeight + style.FontSize * 1.1;
        var captionX = plotLeft + options.ColorBarWidth + 12;
        var lastLabelOverhang = xTicks.Count == 0 ? 0 : PlotFrame.TextWidth(Label(xTicks[^1]), style.FontSize) / 2;
        var contentWidth = Math.Max(plotLeft + plotWidth + Math.Max(style.Margin, lastLabelOverhang + 2),
            captionX + PlotFrame.TextWidth(options.ColorBarLabel, style.FontSize) + style.Margin);
        var width = Math.Max(contentWidth, PlotFrame.TitleWidth(title, style));
        // A title wider than the plot would otherwise leave the plot hugging the left edge.
        var shift = (width - contentWidth) / 2;
        plotLeft += shift;
        captionX += shift;
        var height = barLabelBaseline + style.FontSize * 0.3 + style.Margin;

        var document = PlotFrame.Start(width, height, title, style);

        if (positionNorms is not null)
        {
            var normScale = new LinearScale(0, normTop, top + options.NormLogoHeight, top);
            PlotFrame.DrawYAxis(document, style, plotLeft, normScale, normTicks, normStep, options.NormLabel,
                shift + PlotFrame.YLabelX(style));
            document.Line(plotLeft, normScale.Map(0), plotLeft + plotWidth, normScale.Map(0), style.AxisColor, cssClass: "norm-baseline");
            document.BeginGroup("norm-logo");
            var letterWidth = pixelsPerPosition * options.LetterWidthFraction;
            var inset = (pixelsPerPosition - letterWidth) / 2;
            for (var i = 0; i < length; i++)
            {
                var norm = positionNorms[i];
                if (reference[i] < 0 || norm == 0) continue;
                var h = norm * normScale.PixelsPerUnit;
                var letter = LetterGlyphs.Alphabet[reference[i]];
                var normTip = options.Tooltips ? $"{Where(i, positionLabels)} {letter}: {options.NormLabel} {SvgFormat.Significant(norm, 4)}" : null;
                LetterGlyphs.Draw(document, letter, plotLeft + i * pixelsPerPosition + inset,
                    normScale.Map(0) - h, letterWidth, h, options.Colors.ForChannel(reference[i]),
                    new DataPoint(i, letter, norm, positionLabels?[i], normTip));
            }
            document.EndGroup();
        }

        document.BeginGroup("heatmap");
        for (var c = 0; c < 4; c++)
        {
            var y = heatmapTop + c * options.CellHeight;
            var alternative = LetterGlyphs.Alphabet[c];
            for (var i = 0; i < length; i++)
            {
                var delta = deltas[c * length + i];
                var cellTip = options.Tooltips
                    ? $"{Where(i, positionLabels)} {Input.BaseLetter(reference[i])}>{alternative}: {SvgFormat.Significant(delta, 4)}"
                    : null;
                document.Rect(plotLeft + i * pixelsPerPosition, y, pixelsPerPosition, options.CellHeight,
                    colors.ColorOf(delta), cssClass: "cell", data: new DataPoint(i, alternative, delta, positionLabels?[i], cellTip));
            }
        }
        document.EndGroup();

        document.BeginGroup("reference");
        var markerRadius = Math.Min(pixelsPerPosition, options.CellHeight) * 0.18;
        for (var i = 0; i < length; i++)
        {
            if (reference[i] < 0) continue;
            document.Circle(plotLeft + (i + 0.5) * pixelsPerPosition, heatmapTop + (reference[i] + 0.5) * options.CellHeight,
                markerRadius, options.ReferenceMarkerColor, cssClass: "ref-marker");
        }
        document.EndGroup();

        document.Rect(plotLeft, heatmapTop, plotWidth, heatmapHeight, "none", style.AxisColor, 0.8, "heatmap-frame");
        document.BeginGroup("row-labels");
        for (var c = 0; c < 4; c++)
            document.Text(plotLeft - 5, heatmapTop + (c + 0.5) * options.CellHeight + 0.35 * style.FontSize,
                LetterGlyphs.Alphabet[c].ToString(), TextAnchor.End, fill: style.TextColor, bold: true, cssClass: "row-label");
        document.EndGroup();

        PlotFrame.DrawPositionAxis(document, style, plotLeft, plotWidth, heatmapTop + heatmapHeight, pixelsPerPosition,
            xTicks, Label, options.XLabel);
        DrawColorBar(document, style, options, colors, plotLeft, barTop, barLabelBaseline, captionX);
        return document;
    }

    private static void DrawColorBar(SvgDocument document, PlotStyle style, IsmHeatmapOptions options, DivergingColorScale colors,
        double left, double top, double labelBaseline, double captionX)
    {
        var gradientId = document.NewId("diverging");
        document.DefineHorizontalGradient(gradientId, [(0, colors.Negative), (0.5, colors.Zero), (1, colors.Positive)]);
        document.BeginGroup("color-bar");
        document.Rect(left, top, options.ColorBarWidth, options.ColorBarHeight, $"url(#{gradientId})", style.AxisColor, 0.6, "color-bar-fill");
        var limit = SvgFormat.Significant(colors.Limit);
        document.Text(left, labelBaseline, "-" + limit, TextAnchor.Start, fill: style.TextColor, cssClass: "color-bar-min");
        document.Text(left + options.ColorBarWidth / 2, labelBaseline, "0", TextAnchor.Middle, fill: style.TextColor, cssClass: "color-bar-zero");
        document.Text(left + options.ColorBarWidth, labelBaseline, "+" + limit, TextAnchor.End, fill: style.TextColor, cssClass: "color-bar-max");
        document.Text(captionX, top + options.ColorBarHeight / 2 + 0.35 * style.FontSize, options.ColorBarLabel, fill: style.TextColor,
            cssClass: "color-bar-label");
        document.EndGroup();
    }

    private static string Where(int index, IReadOnlyList<string>? labels) =>
        labels?[index] ?? $"position {(index + 1).ToString(CultureInfo.InvariantCulture)}";

    private static double CheckNorms(float[]? norms, int length)
    {
        if (norms is null) return 0;
        if (norms.Length != length)
            throw new ArgumentException($"{norms.Length} position norms for {length} positions", "positionNorms");
        var max = 0.0;
        for (var i = 0; i < length; i++)
        {
            var norm = norms[i];
            if (!float.IsFinite(norm)) throw new ArgumentException($"position norm is {Input.Describe(norm)} at {Input.Position(i)}", "positionNorms");
            if (norm < 0) throw new ArgumentException($"position norm is negative ({norm.ToString("R", CultureInfo.InvariantCulture)}) at {Input.Position(i)}", "positionNorms");
            max = Math.Max(max, norm);
        }
        return max;
    }
}
