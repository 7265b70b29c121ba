namespace RbpPipeline.Visualization;

/// <summary>
/// Outlines of the letters A, C, G and U drawn for this library, each filling the unit box [0, 1] × [0, 1]
/// (y down, baseline at y = 1). Logos need letters stretched to a data-given height at a fixed width, which text
/// elements cannot do portably; a path under a scale transform can, and renders identically everywhere.
/// </summary>
public static class LetterGlyphs
{
    /// <summary>The letters drawn, in channel order.</summary>
    public const string Alphabet = "ACGU";

    // Strokes are about a fifth of the box wide so that letters survive heavy horizontal squeezing in long logos.
    // A: two legs and a crossbar; the counter is a separate subpath cut out by the even-odd rule.
    private const string A = "M0 1L0.38 0H0.62L1 1H0.78L0.681 0.74H0.319L0.22 1Z M0.38 0.58L0.5 0.263L0.62 0.58Z";

    // C: a ring (outer radius 0.5, inner 0.29 × 0.31) open on the right between -45° and +45°.
    private const string C = "M0.854 0.146A0.5 0.5 0 1 0 0.854 0.854L0.705 0.719A0.29 0.31 0 1 1 0.705 0.281Z";

    // G: the C ring with its lower arm carried up to mid-height and turned inward as a bar, which is what tells a G
    // from a C when the letter is squashed.
    private const string G = "M0.854 0.146A0.5 0.5 0 1 0 0.996 0.56V0.42H0.52V0.56H0.78V0.58A0.29 0.31 0 1 1 0.705 0.281Z";

    // U: two stems joined by a half-ellipse; the bottom is a little thinner than the stems, as in most sans faces.
    private const string U = "M0 0V0.55A0.5 0.45 0 0 0 1 0.55V0H0.78V0.55A0.28 0.27 0 0 1 0.22 0.55V0Z";

    /// <summary>The SVG path data of <paramref name="letter"/> (A, C, G or U; T is drawn as U) in the unit box.</summary>
    public static string PathData(char letter) => Normalize(letter) switch
    {
        'A' => A,
        'C' => C,
        'G' => G,
        _ => U,
    };

    /// <summary>The id under which a document defines <paramref name="letter"/>.</summary>
    public static string ElementId(char letter) => "rbp-glyph-" + Normalize(letter);

    /// <summary>
    /// Draws <paramref name="letter"/> with its unit box mapped to [x, x + width] × [yTop, yTop + height]. The outline
    /// is defined once per document and referenced, so a logo costs one short element per letter.
    /// </summary>
    /// <param name="data">What the letter stands for (hover metadata); null for none.</param>
    public static void Draw(SvgDocument document, char letter, double x, double yTop, double width, double height, string fill,
        DataPoint? data = null)
    {
        ArgumentNullException.ThrowIfNull(document);
        var id = ElementId(letter);
        if (!document.IsDefined(id)) document.DefinePath(id, PathData(letter), evenOddFill: true);
        document.Use(id, x, yTop, width, height, fill, "glyph glyph-" + Normalize(letter), data);
    }

    private static char Normalize(char letter) => char.ToUpperInvariant(letter) switch
    {
        'A' => 'A',
        'C' => 'C',
        'G' => 'G',
        'U' or 'T' => 'U',
        _ => throw new ArgumentOutOfRangeException(nameof(letter), letter, "only A, C, G, U (and T, drawn as U) have glyphs"),
    };
}
