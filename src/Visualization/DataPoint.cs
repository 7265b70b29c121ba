using System.Globalization;

namespace RbpPipeline.Visualization;

/// <summary>
/// What one drawn element (a letter, a heatmap cell) stands for, written into the SVG so that a browser can show
/// it: <c>data-position</c> (1-based), <c>data-base</c>, <c>data-value</c> (round-trip precision) and
/// <c>data-label</c> (when the picture has position labels) for scripts, and <see cref="Tooltip"/> as the element's
/// &lt;title&gt;, which browsers show on hover without any script.
/// </summary>
/// <param name="Index">0-based position; written 1-based, as the x axis numbers it.</param>
/// <param name="Base">The letter the element stands for (A, C, G, U; N where unknown).</param>
/// <param name="Value">The number the element's size or colour shows.</param>
public sealed record DataPoint(int Index, char Base, double Value, string? Label = null, string? Tooltip = null)
{
    /// <summary>The data- attributes, in a fixed order so the same picture always gives the same bytes.</summary>
    internal IEnumerable<(string Name, string Value)> Attributes()
    {
        yield return ("data-position", (Index + 1).ToString(CultureInfo.InvariantCulture));
        yield return ("data-base", Base.ToString());
        yield return ("data-value", Value.ToString("R", CultureInfo.InvariantCulture));
        if (Label is not null) yield return ("data-label", Label);
    }
}
