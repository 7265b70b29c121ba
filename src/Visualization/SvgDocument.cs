using System.Text;

namespace RbpPipeline.Visualization;

/// <summary>Horizontal alignment of a text element relative to its x coordinate.</summary>
public enum TextAnchor
{
    Start,
    Middle,
    End,
}

/// <summary>
/// A standalone SVG 1.1 document built element by element. Every string that reaches the output goes through
/// escaping, and every number through invariant-culture formatting, so the same calls always give the same bytes.
/// </summary>
public sealed class SvgDocument
{
    private const string SvgNamespace = "http://www.w3.org/2000/svg";
    private const string XlinkNamespace = "http://www.w3.org/1999/xlink";

    private readonly StringBuilder _defs = new();
    private readonly StringBuilder _body = new();
    private readonly HashSet<string> _definedIds = new(StringComparer.Ordinal);
    private readonly string? _title;
    private readonly string? _fontFamily;
    private readonly double? _fontSize;
    private int _openGroups;
    private int _idCounter;

    /// <param name="width">Width in pixels (also the viewBox width).</param>
    /// <param name="height">Height in pixels (also the viewBox height).</param>
    /// <param name="title">Accessible title (the &lt;title&gt; element); not drawn.</param>
    /// <param name="fontFamily">Default font family inherited by all text.</param>
    /// <param name="fontSize">Default font size in pixels inherited by all text.</param>
    public SvgDocument(double width, double height, string? title = null, string? fontFamily = null, double? fontSize = null)
    {
        if (!double.IsFinite(width) || width <= 0) throw new ArgumentOutOfRangeException(nameof(width), width, "must be positive and finite");
        if (!double.IsFinite(height) || height <= 0) throw new ArgumentOutOfRangeException(nameof(height), height, "must be positive and finite");
        Width = width;
        Height = height;
        _title = title;
        _fontFamily = fontFamily;
        _fontSize = fontSize;
    }

    public double Width { get; }

    public double Height { get; }

    /// <summary>Escapes text for SVG content or attribute values (see <see cref="SvgFormat.Escape"/>).</summary>
    public static string Escape(string text) => SvgFormat.Escape(text);

    /// <summary>A document-unique id with the given prefix, for clip paths and gradients.</summary>
    public string NewId(string prefix) => $"rbp-{prefix}-{++_idCounter}";

    /// <summary>Whether a definition with this id was already added (shared glyphs are defined once).</summary>
    public bool IsDefined(string id) => _definedIds.Contains(id);

    /// <summary>Adds a reusable path to &lt;defs&gt;; it carries no fill so that each &lt;use&gt; can colour it.</summary>
    public SvgDocument DefinePath(string id, string pathData, bool evenOddFill = false)
    {
        AddDefinitionId(id);
        _defs.Append("<path id=\"").Append(SvgFormat.Escape(id)).Append("\" d=\"").Append(SvgFormat.Escape(pathData)).Append('"');
        if (evenOddFill) _defs.Append(" fill-rule=\"evenodd\"");
        _defs.Append("/>\n");
        return this;
    }

    /// <summary>A left-to-right linear gradient with stops at the given offsets (0..1).</summary>
    public SvgDocument DefineHorizontalGradient(string id, IReadOnlyList<(double Offset, string Color)> stops)
    {
        AddDefinitionId(id);
        _defs.Append("<linearGradient id=\"").Append(SvgFormat.Escape(id)).Append("\" x1=\"0\" y1=\"0\" x2=\"1\" y2=\"0\">\n");
        foreach (var (offset, color) in stops)
            _defs.Append("<stop offset=\"").Append(SvgFormat.Coord(offset)).Append("\" stop-color=\"").Append(SvgFormat.Escape(color)).Append("\"/>\n");
        _defs.Append("</linearGradient>\n");
        return this;
    }

    /// <summary>A rectangular clip path, used where drawn content may exceed a user-fixed axis range.</summary>
    public SvgDocument DefineClipRectangle(string id, double x, double y, double width, double height)
    {
        AddDefinitionId(id);
        _defs.Append("<clipPath id=\"").Append(SvgFormat.Escape(id)).Append("\"><rect x=\"").Append(SvgFormat.Coord(x))
            .Append("\" y=\"").Append(SvgFormat.Coord(y)).Append("\" width=\"").Append(SvgFormat.Coord(width))
            .Append("\" height=\"").Append(SvgFormat.Coord(height)).Append("\"/></clipPath>\n");
        return this;
    }

    /// <summary>Opens a &lt;g&gt;; <paramref name="tooltip"/> becomes its &lt;title&gt; (shown on hover by browsers).</summary>
    public SvgDocument BeginGroup(string? cssClass = null, string? clipPathId = null, string? tooltip = null)
    {
        _body.Append("<g");
        AppendOptional("class", cssClass);
        if (clipPathId is not null) _body.Append(" clip-path=\"url(#").Append(SvgFormat.Escape(clipPathId)).Append(")\"");
        _body.Append(">\n");
        if (tooltip is not null) _body.Append("<title>").Append(SvgFormat.Escape(tooltip)).Append("</title>\n");
        _openGroups++;
        return this;
    }

    public SvgDocument EndGroup()
    {
        if (_openGroups == 0) throw new InvalidOperationException("EndGroup without a matching BeginGroup");
        _openGroups--;
        _body.Append("</g>\n");
        return this;
    }

    /// <param name="data">What the rectangle stands for (data- attributes and a hover &lt;title&gt;); null for none.</param>
    public SvgDocument Rect(double x, double y, double width, double height, string fill, string? stroke = null,
        double strokeWidth = 1, string? cssClass = null, DataPoint? data = null)
    {
        _body.Append("<rect x=\"").Append(SvgFormat.Coord(x)).Append("\" y=\"").Append(SvgFormat.Coord(y))
            .Append("\" width=\"").Append(SvgFormat.Coord(Math.Max(0, width))).Append("\" height=\"").Append(SvgFormat.Coord(Math.Max(0, height)))
            .Append("\" fill=\"").Append(SvgFormat.Escape(fill)).Append('"');
        AppendStroke(stroke, strokeWidth);
        AppendOptional("class", cssClass);
        CloseWithData("rect", data);
        return this;
    }

    /// <param name="dashArray">An SVG stroke-dasharray such as "4 3", or null for a solid line.</param>
    public SvgDocument Line(double x1, double y1, double x2, double y2, string stroke, double strokeWidth = 1,
        string? dashArray = null, string? cssClass = null)
    {
        _body.Append("<line x1=\"").Append(SvgFormat.Coord(x1)).Append("\" y1=\"").Append(SvgFormat.Coord(y1))
            .Append("\" x2=\"").Append(SvgFormat.Coord(x2)).Append("\" y2=\"").Append(SvgFormat.Coord(y2)).Append('"');
        AppendStroke(stroke, strokeWidth);
        AppendOptional("stroke-dasharray", dashArray);
        AppendOptional("class", cssClass);
        _body.Append("/>\n");
        return this;
    }

    public SvgDocument Circle(double cx, double cy, double r, string fill, string? stroke = null, double strokeWidth = 1,
        string? cssClass = null)
    {
        _body.Append("<circle cx=\"").Append(SvgFormat.Coord(cx)).Append("\" cy=\"").Append(SvgFormat.Coord(cy))
            .Append("\" r=\"").Append(SvgFormat.Coord(r)).Append("\" fill=\"").Append(SvgFormat.Escape(fill)).Append('"');
        AppendStroke(stroke, strokeWidth);
        AppendOptional("class", cssClass);
        _body.Append("/>\n");
        return this;
    }

    public SvgDocument Path(string pathData, string fill, string? stroke = null, double strokeWidth = 1, string? cssClass = null)
    {
        _body.Append("<path d=\"").Append(SvgFormat.Escape(pathData)).Append("\" fill=\"").Append(SvgFormat.Escape(fill)).Append('"');
        AppendStroke(stroke, strokeWidth);
        AppendOptional("class", cssClass);
        _body.Append("/>\n");
        return this;
    }

    /// <param name="rotation">Degrees, clockwise, about (x, y).</param>
    public SvgDocument Text(double x, double y, string text, TextAnchor anchor = TextAnchor.Start, double? fontSize = null,
        string? fill = null, double rotation = 0, bool bold = false, string? cssClass = null)
    {
        _body.Append("<text x=\"").Append(SvgFormat.Coord(x)).Append("\" y=\"").Append(SvgFormat.Coord(y)).Append('"');
        if (anchor != TextAnchor.Start) _body.Append(" text-anchor=\"").Append(anchor == TextAnchor.Middle ? "middle" : "end").Append('"');
        if (fontSize is { } size) _body.Append(" font-size=\"").Append(SvgFormat.Coord(size)).Append('"');
        AppendOptional("fill", fill);
        if (bold) _body.Append(" font-weight=\"bold\"");
        if (rotation != 0)
            _body.Append(" transform=\"rotate(").Append(SvgFormat.Coord(rotation)).Append(' ').Append(SvgFormat.Coord(x))
                .Append(' ').Append(SvgFormat.Coord(y)).Append(")\"");
        AppendOptional("class", cssClass);
        _body.Append('>').Append(SvgFormat.Escape(text)).Append("</text>\n");
        return this;
    }

    /// <summary>
    /// Places a defined element scaled independently in x and y, its unit box mapped to
    /// [x, x + scaleX] × [y, y + scaleY]. Scales keep 7 significant digits so that heights stay faithful to the data.
    /// </summary>
    /// <param name="data">What the element stands for (data- attributes and a hover &lt;title&gt;); null for none.</param>
    public SvgDocument Use(string id, double x, double y, double scaleX, double scaleY, string fill, string? cssClass = null,
        DataPoint? data = null)
    {
        if (!_definedIds.Contains(id)) throw new InvalidOperationException($"'{id}' is used before it is defined");
        _body.Append("<use xlink:href=\"#").Append(SvgFormat.Escape(id)).Append("\" transform=\"translate(")
            .Append(SvgFormat.Coord(x)).Append(' ').Append(SvgFormat.Coord(y)).Append(") scale(")
            .Append(SvgFormat.Scale(scaleX)).Append(' ').Append(SvgFormat.Scale(scaleY)).Append(")\" fill=\"")
            .Append(SvgFormat.Escape(fill)).Append('"');
        AppendOptional("class", cssClass);
        CloseWithData("use", data);
        return this;
    }

    /// <summary>Writes the complete document.</summary>
    public void WriteTo(TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (_openGroups != 0) throw new InvalidOperationException($"{_openGroups} group(s) still open");
        var w = SvgFormat.Coord(Width);
        var h = SvgFormat.Coord(Height);
        writer.Write($"<svg xmlns=\"{SvgNamespace}\" xmlns:xlink=\"{XlinkNamespace}\" version=\"1.1\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\"");
        if (_fontFamily is not null) writer.Write($" font-family=\"{SvgFormat.Escape(_fontFamily)}\"");
        if (_fontSize is { } size) writer.Write($" font-size=\"{SvgFormat.Coord(size)}\"");
        writer.Write(">\n");
        if (_title is not null) writer.Write($"<title>{SvgFormat.Escape(_title)}</title>\n");
        if (_defs.Length > 0)
        {
            writer.Write("<defs>\n");
            writer.Write(_defs);
            writer.Write("</defs>\n");
        }
        writer.Write(_body);
        writer.Write("</svg>\n");
    }

    /// <summary>The complete document as a string.</summary>
    public override string ToString()
    {
        using var writer = new StringWriter(System.Globalization.CultureInfo.InvariantCulture);
        WriteTo(writer);
        return writer.ToString();
    }

    private void AddDefinitionId(string id)
    {
        if (!_definedIds.Add(id)) throw new InvalidOperationException($"'{id}' is defined twice");
    }

    private void AppendStroke(string? stroke, double strokeWidth)
    {
        if (stroke is null) return;
        _body.Append(" stroke=\"").Append(SvgFormat.Escape(stroke)).Append("\" stroke-width=\"").Append(SvgFormat.Coord(strokeWidth)).Append('"');
    }

    /// <summary>Ends an element opened in the body: its data- attributes, then "/>" or a &lt;title&gt; child and the end tag.</summary>
    private void CloseWithData(string element, DataPoint? data)
    {
        if (data is null)
        {
            _body.Append("/>\n");
            return;
        }
        foreach (var (name, value) in data.Attributes()) AppendOptional(name, value);
        if (data.Tooltip is null)
        {
            _body.Append("/>\n");
            return;
        }
        _body.Append("><title>").Append(SvgFormat.Escape(data.Tooltip)).Append("</title></").Append(element).Append(">\n");
    }

    private void AppendOptional(string name, string? value)
    {
        if (value is null) return;
        _body.Append(' ').Append(name).Append("=\"").Append(SvgFormat.Escape(value)).Append('"');
    }
}
