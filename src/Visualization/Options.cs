namespace RbpPipeline.Visualization;

/// <summary>Fonts, text and axis colours and the background shared by every picture.</summary>
public sealed record PlotStyle
{
    public static PlotStyle Default { get; } = new();

    public string FontFamily { get; init; } = "DejaVu Sans, Helvetica, Arial, sans-serif";

    /// <summary>Tick labels, axis labels, legends (pixels).</summary>
    public double FontSize { get; init; } = 11;

    public double TitleFontSize { get; init; } = 14;

    public string TextColor { get; init; } = "#222222";

    public string AxisColor { get; init; } = "#444444";

    /// <summary>Fill behind the whole picture; null leaves it transparent.</summary>
    public string? Background { get; init; } = "#ffffff";

    /// <summary>Blank border around the picture (pixels).</summary>
    public double Margin { get; init; } = 10;
}

/// <summary>Fill colours of the four letters (any SVG colour).</summary>
public sealed record NucleotideColors(string A, string C, string G, string U)
{
    /// <summary>The usual logo colours: A green, C blue, G orange, U red.</summary>
    public static NucleotideColors Classic { get; } = new("#109648", "#255c99", "#f7a21b", "#d62839");

    /// <summary>The colour of channel 0..3 (A, C, G, U).</summary>
    public string ForChannel(int channel) => channel switch
    {
        0 => A,
        1 => C,
        2 => G,
        3 => U,
        _ => throw new ArgumentOutOfRangeException(nameof(channel), channel, "channels are 0..3 (A, C, G, U)"),
    };
}

/// <summary>Sizes and colours of <see cref="AttributionLogo"/>.</summary>
public sealed record AttributionLogoOptions
{
    public static AttributionLogoOptions Default { get; } = new();

    /// <summary>
    /// <see cref="AttributionLogoMode.Projected"/> (default): one letter per position, the observed base, as tall
    /// as the position's sum over channels; <see cref="AttributionLogoMode.PerChannel"/>: all four channels stacked.
    /// </summary>
    public AttributionLogoMode Mode { get; init; } = AttributionLogoMode.Projected;

    /// <summary>Each letter carries a hover &lt;title&gt; (position, base, value); its data- attributes are written either way.</summary>
    public bool Tooltips { get; init; } = true;

    /// <summary>Column width per position; raised when the plot would be narrower than <see cref="MinPlotWidth"/>.</summary>
    public double PixelsPerPosition { get; init; } = 12;

    public double MinPlotWidth { get; init; } = 240;

    /// <summary>Height of the letter area, positive and negative parts together.</summary>
    public double PlotHeight { get; init; } = 180;

    /// <summary>Letter width as a fraction of the column width (the rest separates neighbouring columns).</summary>
    public double LetterWidthFraction { get; init; } = 0.9;

    /// <summary>Positions (1-based) between x ticks; widened automatically when labels would collide.</summary>
    public int TickEvery { get; init; } = 10;

    /// <summary>
    /// Fixed bottom of the y axis (attribution units); null: the deepest negative stack (or 0). Fixing both ends
    /// puts several logos on one scale; letters beyond a fixed range are clipped.
    /// </summary>
    public double? YMin { get; init; }

    /// <summary>Fixed top of the y axis; null: the tallest positive stack (or 0).</summary>
    public double? YMax { get; init; }

    public string? YLabel { get; init; } = "attribution";

    public string? XLabel { get; init; } = "position";

    public string ZeroLineColor { get; init; } = "#888888";

    public NucleotideColors Colors { get; init; } = NucleotideColors.Classic;

    public PlotStyle Style { get; init; } = PlotStyle.Default;
}

/// <summary>Sizes and colours of <see cref="IsmHeatmap"/>.</summary>
public sealed record IsmHeatmapOptions
{
    public static IsmHeatmapOptions Default { get; } = new();

    public double PixelsPerPosition { get; init; } = 12;

    public double MinPlotWidth { get; init; } = 240;

    /// <summary>Height of one row (one alternative base) of the heatmap.</summary>
    public double CellHeight { get; init; } = 14;

    /// <summary>Height of the per-position norm logo drawn above the heatmap when norms are given.</summary>
    public double NormLogoHeight { get; init; } = 70;

    public double LetterWidthFraction { get; init; } = 0.9;

    public int TickEvery { get; init; } = 10;

    /// <summary>Colour of the most negative delta (−limit); "#rrggbb".</summary>
    public string NegativeColor { get; init; } = "#2166ac";

    /// <summary>Colour of a zero delta; "#rrggbb".</summary>
    public string ZeroColor { get; init; } = "#ffffff";

    /// <summary>Colour of the most positive delta (+limit); "#rrggbb".</summary>
    public string PositiveColor { get; init; } = "#b2182b";

    /// <summary>
    /// Delta mapped to the end colours; null: the largest |delta| in the map. Fixing it compares several maps;
    /// larger deltas are drawn with the end colour.
    /// </summary>
    public double? ColorLimit { get; init; }

    /// <summary>Fill of the dot marking the reference base of each position.</summary>
    public string ReferenceMarkerColor { get; init; } = "#1a1a1a";

    public double ColorBarWidth { get; init; } = 160;

    public double ColorBarHeight { get; init; } = 10;

    public string ColorBarLabel { get; init; } = "prediction delta (alt - ref)";

    public string NormLabel { get; init; } = "L2 norm";

    /// <summary>Each cell and norm letter carries a hover &lt;title&gt;; their data- attributes are written either way.</summary>
    public bool Tooltips { get; init; } = true;

    public string? XLabel { get; init; } = "position";

    public NucleotideColors Colors { get; init; } = NucleotideColors.Classic;

    public PlotStyle Style { get; init; } = PlotStyle.Default;
}

/// <summary>Sizes and colours of <see cref="MotifLogo"/>.</summary>
public sealed record MotifLogoOptions
{
    public static MotifLogoOptions Default { get; } = new();

    public double PixelsPerPosition { get; init; } = 36;

    public double MinPlotWidth { get; init; } = 120;

    /// <summary>Height of the 0..2 bits range.</summary>
    public double PlotHeight { get; init; } = 140;

    public double LetterWidthFraction { get; init; } = 0.92;

    public int TickEvery { get; init; } = 1;

    public string? YLabel { get; init; } = "bits";

    /// <summary>Each letter carries a hover &lt;title&gt; (position, base, probability, bits); its data- attributes are written either way.</summary>
    public bool Tooltips { get; init; } = true;

    public string? XLabel { get; init; } = "position";

    public NucleotideColors Colors { get; init; } = NucleotideColors.Classic;

    public PlotStyle Style { get; init; } = PlotStyle.Default;
}

/// <summary>Sizes and colours of <see cref="BoxPlot"/>.</summary>
public sealed record BoxPlotOptions
{
    public static BoxPlotOptions Default { get; } = new();

    /// <summary>Horizontal space per group; raised when the plot would be narrower than <see cref="MinPlotWidth"/>.</summary>
    public double SlotWidth { get; init; } = 56;

    public double MinPlotWidth { get; init; } = 200;

    /// <summary>Box width as a fraction of the slot width.</summary>
    public double BoxWidthFraction { get; init; } = 0.55;

    public double PlotHeight { get; init; } = 240;

    public string? YLabel { get; init; } = "local effect";

    /// <summary>
    /// Group labels are turned by 45° when the widest would not fit its slot; true or false forces the choice.
    /// </summary>
    public bool? RotateLabels { get; init; }

    public string BoxFill { get; init; } = "#c9d9ec";

    public string BoxStroke { get; init; } = "#2c3e50";

    public string MedianColor { get; init; } = "#11181f";

    public string OutlierColor { get; init; } = "#555555";

    public double OutlierRadius { get; init; } = 2.5;

    /// <summary>Colour of the diamond marking each group's highlighted value (global importance).</summary>
    public string HighlightColor { get; init; } = "#d62839";

    /// <summary>Legend text for the diamond.</summary>
    public string HighlightLabel { get; init; } = "global importance (mean)";

    /// <summary>Draws a dashed line at y = 0 when 0 is inside the axis range.</summary>
    public bool ZeroLine { get; init; } = true;

    public PlotStyle Style { get; init; } = PlotStyle.Default;
}
