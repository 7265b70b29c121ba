namespace RbpPipeline.Visualization.Tests;

public class MotifLogoTests
{
    // Rows with closed-form information content:
    //   [1, 0, 0, 0]              H = 0     → IC 2, A 2 bits
    //   uniform                   H = 2     → IC 0, nothing drawn
    //   [.5, .5, 0, 0]            H = 1     → IC 1, A and C 0.5 bits each
    //   [.5, .25, .125, .125]     H = 1.75  → IC 0.25: 0.125, 0.0625, 0.03125, 0.03125
    private static readonly float[] ClosedForm =
    [
        1f, 0f, 0f, 0f,
        0.25f, 0.25f, 0.25f, 0.25f,
        0.5f, 0.5f, 0f, 0f,
        0.5f, 0.25f, 0.125f, 0.125f,
    ];

    private static readonly double[] ExpectedBits =
    [
        2, 0, 0, 0,
        0, 0, 0, 0,
        0.5, 0.5, 0, 0,
        0.125, 0.0625, 0.03125, 0.03125,
    ];

    [Fact]
    public void Letter_heights_are_probability_times_information_content()
    {
        var heights = MotifLogo.LetterHeights(ClosedForm);
        Assert.Equal(ExpectedBits.Length, heights.Length);
        for (var k = 0; k < heights.Length; k++) SvgReader.AssertClose(ExpectedBits[k], heights[k], 1e-9, 1e-12, $"entry {k}");
    }

    [Fact]
    public void Drawn_letters_are_as_tall_as_their_bits_on_a_0_to_2_bit_axis()
    {
        var options = new MotifLogoOptions { PlotHeight = 150, PixelsPerPosition = 40 };
        var doc = SvgReader.Parse(MotifLogo.Render(ClosedForm, "closed form", options));
        var pixelsPerBit = 150 / 2.0;
        var glyphs = doc.Glyphs();
        var x0 = glyphs.Min(g => g.X);
        var byKey = glyphs.ToDictionary(g => ((int)Math.Round((g.X - x0) / 40), g.Letter));
        Assert.Equal(ExpectedBits.Count(b => b > 0), glyphs.Count);
        for (var w = 0; w < 4; w++)
            for (var c = 0; c < 4; c++)
            {
                var bits = ExpectedBits[w * 4 + c];
                if (bits == 0) continue;
                SvgReader.AssertClose(bits * pixelsPerBit, byKey[(w, "ACGU"[c])].ScaleY, 1e-6, what: $"{"ACGU"[c]} at {w}");
            }

        var ticks = doc.YTicks();
        Assert.Equal(0, ticks[0].Value);
        Assert.Equal(2, ticks[^1].Value);
        SvgReader.AssertClose(ticks[0].Y - 150, ticks[^1].Y, 0, 2e-3);
        // The single A of the first row is exactly 2 bits: from the 0 tick to the 2 tick.
        SvgReader.AssertClose(ticks[^1].Y, byKey[(0, 'A')].Y, 0, 2e-3);
        SvgReader.AssertClose(ticks[0].Y, byKey[(0, 'A')].Bottom, 0, 2e-3);
        Assert.Equal("bits", doc.ByClass("y-axis").Single().ByClass("axis-label").Single().Value);
        Assert.Equal("closed form", doc.SingleByClass("title").Value);
    }

    [Fact]
    public void Letters_carry_their_probability_for_hover()
    {
        var doc = SvgReader.Parse(MotifLogo.Render(ClosedForm, "closed form"));
        var letters = doc.Descendants(SvgReader.Svg + "use").ToList();
        Assert.Equal(ExpectedBits.Count(b => b > 0), letters.Count);
        foreach (var letter in letters)
        {
            var w = int.Parse((string)letter.Attribute("data-position")!, System.Globalization.CultureInfo.InvariantCulture) - 1;
            var c = "ACGU".IndexOf(((string)letter.Attribute("data-base")!)[0]);
            var row = ClosedForm.Skip(w * 4).Take(4).Sum();
            SvgReader.AssertClose(ClosedForm[w * 4 + c] / row,
                double.Parse((string)letter.Attribute("data-value")!, System.Globalization.CultureInfo.InvariantCulture), 1e-9, 1e-12);
            Assert.Contains(" bits", letter.Element(SvgReader.Svg + "title")!.Value);
        }
    }

    [Fact]
    public void The_most_probable_letter_is_on_top()
    {
        var doc = SvgReader.Parse(MotifLogo.Render(Samples.MotifPpm()));
        var glyphs = doc.Glyphs();
        foreach (var column in glyphs.GroupBy(g => g.X))
        {
            var ordered = column.OrderBy(g => g.Y).ToList(); // top first
            for (var k = 1; k < ordered.Count; k++)
            {
                Assert.True(ordered[k - 1].ScaleY >= ordered[k].ScaleY - 1e-9, "taller letters above shorter ones");
                SvgReader.AssertClose(ordered[k - 1].Bottom, ordered[k].Y, 0, 2e-3); // stacked without gaps
            }
        }
        // Row 7 (1-based) is all U: one letter, 2 bits.
        var tallest = glyphs.MaxBy(g => g.ScaleY)!;
        Assert.Equal('U', tallest.Letter);
        SvgReader.AssertClose(MotifLogoOptions.Default.PlotHeight, tallest.ScaleY, 1e-6);
    }

    [Fact]
    public void Counts_are_normalised_and_the_two_dimensional_overload_reads_rows_as_positions()
    {
        float[] counts = [2f, 2f, 0f, 0f, 0f, 0f, 0f, 7f];
        double[,] probabilities = { { 0.5, 0.5, 0, 0 }, { 0, 0, 0, 1 } };
        Assert.Equal(MotifLogo.Render(probabilities, "m"), MotifLogo.Render(counts, "m"));
        var heights = MotifLogo.LetterHeights(probabilities);
        Assert.Equal([0.5, 0.5, 0, 0, 0, 0, 0, 2], heights);
    }

    [Fact]
    public void Invalid_matrices_are_rejected_naming_position_and_channel()
    {
        var e = Assert.Throws<ArgumentException>(() => MotifLogo.Render([0.5f, 0.5f, 0f, 0f, 0.5f, 0.5f, -0.1f, 0.1f]));
        Assert.Contains("position 2 (1-based", e.Message);
        Assert.Contains("channel G", e.Message);
        e = Assert.Throws<ArgumentException>(() => MotifLogo.Render([1f, 0f, 0f, float.NaN]));
        Assert.Contains("channel U", e.Message);
        e = Assert.Throws<ArgumentException>(() => MotifLogo.Render([1f, 0f, 0f, 0f, 0f, 0f, 0f, 0f]));
        Assert.Contains("position 2 (1-based", e.Message);
        Assert.Throws<ArgumentException>(() => MotifLogo.Render(new double[4, 3]));
        Assert.Throws<ArgumentException>(() => MotifLogo.Render([1f, 0f, 0f]));
    }
}
