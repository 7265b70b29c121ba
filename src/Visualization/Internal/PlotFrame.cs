namespace RbpPipeline.Visualization;

/// <summary>Maps a data interval linearly onto a pixel interval (either direction).</summary>
internal readonly record struct LinearScale(double DomainMin, double DomainMax, double PixelAtMin, double PixelAtMax)
{
    public double Map(double value) => PixelAtMin + (value - DomainMin) * (PixelAtMax - PixelAtMin) / (DomainMax - DomainMin);

    public double PixelsPerUnit => Math.Abs(PixelAtMax - PixelAtMin) / (DomainMax - DomainMin);
}

/// <summary>Axes, ticks and text measurement shared by the pictures.</summary>
internal static class PlotFrame
{
    public const double TickLength = 4;

    /// <summary>
    /// Width of <paramref name="text"/> without font metrics: 0.6 em per character is a little above the average
    /// advance of common sans-serif faces, so layouts computed from it leave room rather than overlap.
    /// </summary>
    public static double TextWidth(string text, double fontSize) => text.Length * fontSize * 0.6;

    /// <summary>Horizontal room a left y axis needs: rotated label, tick labels and tick marks.</summary>
    public static double YAxisWidth(PlotStyle style, IReadOnlyList<double> ticks, double step, string? label)
    {
        var widest = 0.0;
        foreach (var tick in ticks) widest = Math.Max(widest, TextWidth(Axis.FormatTick(tick, step), style.FontSize));
        return TickLength + 3 + widest + (label is null ? 0 : style.FontSize * 1.4 + 2);
    }

    /// <summary>Centre of the rotated y-axis label when the axis block starts at the left margin.</summary>
    public static double YLabelX(PlotStyle style) => style.Margin + style.FontSize * 0.9;

    /// <summary>A vertical axis at <paramref name="x"/> with ticks to its left; the label is centred at <paramref name="labelX"/>.</summary>
    public static void DrawYAxis(SvgDocument document, PlotStyle style, double x, LinearScale scale, IReadOnlyList<double> ticks,
        double step, string? label, double labelX)
    {
        document.BeginGroup("y-axis");
        document.Line(x, scale.PixelAtMin, x, scale.PixelAtMax, style.AxisColor, cssClass: "y-axis-line");
        foreach (var tick in ticks)
        {
            var y = scale.Map(tick);
            document.Line(x - TickLength, y, x, y, style.AxisColor, cssClass: "y-tick");
            // 0.35 em below the tick puts the middle of digits on the tick without relying on dominant-baseline,
            // which renderers support unevenly.
            document.Text(x - TickLength - 3, y + 0.35 * style.FontSize, Axis.FormatTick(tick, step), TextAnchor.End,
                fill: style.TextColor, cssClass: "y-tick-label");
        }
        if (label is not null)
            document.Text(labelX, (scale.PixelAtMin + scale.PixelAtMax) / 2, label, TextAnchor.Middle, fill: style.TextColor,
                rotation: -90, cssClass: "axis-label");
        document.EndGroup();
    }

    /// <summary>Vertical room below a plot for position ticks, their labels and the axis label.</summary>
    public static double XAxisHeight(PlotStyle style, string? label) =>
        TickLength + style.FontSize * 1.3 + (label is null ? 0 : style.FontSize * 1.5);

    /// <summary>
    /// Indices (0-based) of the positions that get a tick: position 1 and every multiple of
    /// <paramref name="tickEvery"/> (1-based), the spacing widened (×2, ×5, ×10, …) until neighbouring labels no
    /// longer collide, and position 1 dropped if only it collides. A sequence too short for three multiples of
    /// the spacing gets a finer one (5, 2, 1) first, so that a 5-nt window is not labelled "1" alone. With a spacing
    /// of 2, position 1 is left out: "1, 2, 4, 6" reads as a mistake.
    /// </summary>
    public static IReadOnlyList<int> PositionTicks(int length, int tickEvery, double pixelsPerPosition, Func<int, string> label, double fontSize)
    {
        while (tickEvery > 1 && length < 3 * tickEvery)
            tickEvery = FinerSpacing(tickEvery);
        for (var attempt = 0; ; attempt++)
        {
            var every = tickEvery * OneTwoFive(attempt);
            var ticks = new List<int>();
            if (every != 2) ticks.Add(0);
            for (var p = every; p <= length; p += every)
                if (p != 1) ticks.Add((int)(p - 1));
            if (ticks.Count <= 1) return ticks;
            // Position 1 is judged on its own below; the multiples of the spacing must fit among themselves.
            if (!Fits(ticks, ticks[0] == 0 ? 1 : 0)) continue;
            if (ticks[0] == 0 && !Fits(ticks, 0, 1)) ticks.RemoveAt(0);
            return ticks;
        }

        bool Fits(List<int> ticks, int fromPair, int pairCount = int.MaxValue)
        {
            var end = Math.Min(ticks.Count - 1, (long)fromPair + pairCount);
            for (var k = fromPair; k < end; k++)
            {
                var needed = (TextWidth(label(ticks[k]), fontSize) + TextWidth(label(ticks[k + 1]), fontSize)) / 2 + 4;
                if ((ticks[k + 1] - ticks[k]) * pixelsPerPosition < needed) return false;
            }
            return true;
        }
    }

    /// <summary>
    /// The plot's left edge needed so that the first tick label (centred on its column, possibly a long genomic
    /// coordinate) does not run off the picture.
    /// </summary>
    public static double FirstLabelRoom(IReadOnlyList<int> ticks, Func<int, string> label, double pixelsPerPosition, PlotStyle style) =>
        ticks.Count == 0 ? 0 : style.Margin + TextWidth(label(ticks[0]), style.FontSize) / 2 - (ticks[0] + 0.5) * pixelsPerPosition;

    /// <summary>The largest of 1, 2, 5, 10, 20, 50, … below <paramref name="spacing"/>.</summary>
    private static int FinerSpacing(int spacing)
    {
        var finer = 1;
        for (var k = 0; ; k++)
        {
            var candidate = OneTwoFive(k);
            if (candidate >= spacing) return finer;
            finer = (int)candidate;
        }
    }

    /// <summary>The k-th of 1, 2, 5, 10, 20, 50, …</summary>
    private static long OneTwoFive(int k) => (long)Math.Pow(10, k / 3) * (k % 3) switch { 0 => 1, 1 => 2, _ => 5 };

    /// <summary>Tick marks hanging below <paramref name="y"/> at column centres, labelled, and the axis label under them.</summary>
    public static void DrawPositionAxis(SvgDocument document, PlotStyle style, double plotLeft, double plotWidth, double y,
        double pixelsPerPosition, IReadOnlyList<int> ticks, Func<int, string> label, string? axisLabel)
    {
        document.BeginGroup("x-axis");
        document.Line(plotLeft, y, plotLeft + plotWidth, y, style.AxisColor, cssClass: "x-axis-line");
        foreach (var index in ticks)
        {
            var x = plotLeft + (index + 0.5) * pixelsPerPosition;
            document.Line(x, y, x, y + TickLength, style.AxisColor, cssClass: "x-tick");
            document.Text(x, y + TickLength + style.FontSize * 0.95, label(index), TextAnchor.Middle, fill: style.TextColor,
                cssClass: "x-tick-label");
        }
        if (axisLabel is not null)
            document.Text(plotLeft + plotWidth / 2, y + TickLength + style.FontSize * 2.4, axisLabel, TextAnchor.Middle,
                fill: style.TextColor, cssClass: "axis-label");
        document.EndGroup();
    }

    /// <summary>
    /// Background and title, the parts every picture starts with. The size is rounded up to whole pixels so that a
    /// PNG rendered at 1:1 has exactly the SVG's size (renderers round fractional sizes up).
    /// </summary>
    public static SvgDocument Start(double width, double height, string? title, PlotStyle style)
    {
        width = Math.Ceiling(width);
        height = Math.Ceiling(height);
        var document = new SvgDocument(width, height, title, style.FontFamily, style.FontSize);
        if (style.Background is not null) document.Rect(0, 0, width, height, style.Background, cssClass: "background");
        if (title is not null)
            document.Text(width / 2, style.Margin + style.TitleFontSize, title, TextAnchor.Middle, style.TitleFontSize,
                style.TextColor, bold: true, cssClass: "title");
        return document;
    }

    /// <summary>Vertical room the title takes, including the top margin.</summary>
    public static double TitleHeight(string? title, PlotStyle style) =>
        style.Margin + (title is null ? 0 : style.TitleFontSize * 1.6);

    /// <summary>Width a centred title needs.</summary>
    public static double TitleWidth(string? title, PlotStyle style) =>
        title is null ? 0 : TextWidth(title, style.TitleFontSize) + 2 * style.Margin;
}
