using RbpPipeline.Interpretation.Sequences;

namespace RbpPipeline.Interpretation.Backgrounds;

/// <summary>
/// The position-specific profile model: each position's base is drawn independently from that position's base
/// frequencies in the reference set (N ignored when counting; a position with no known base is uniform). Keeps
/// positional composition biases of the reference (e.g. around a crosslink site) but no dependence between
/// positions. Each background's track rows come from a reference record drawn uniformly at random.
/// </summary>
public sealed class ProfileBackgrounds : BackgroundSource
{
    private readonly double[] _cumulative;

    public ProfileBackgrounds(BackgroundSet reference) : base(reference)
    {
        var length = reference.Length;
        var counts = new double[length * 4];
        for (var r = 0; r < reference.Count; r++)
        {
            var codes = reference.Sequence(r);
            for (var i = 0; i < length; i++)
                if (codes[i] < 4) counts[i * 4 + codes[i]]++;
        }
        var frequencies = new double[length][];
        _cumulative = new double[length * 4];
        for (var i = 0; i < length; i++)
        {
            var total = counts[i * 4] + counts[i * 4 + 1] + counts[i * 4 + 2] + counts[i * 4 + 3];
            frequencies[i] = new double[4];
            var running = 0.0;
            for (var b = 0; b < 4; b++)
            {
                frequencies[i][b] = total > 0 ? counts[i * 4 + b] / total : 0.25;
                running += frequencies[i][b];
                _cumulative[i * 4 + b] = running;
            }
            // Guard the last bin against rounding so every draw u < 1 lands in a bin.
            _cumulative[i * 4 + 3] = double.PositiveInfinity;
        }
        Frequencies = frequencies;
    }

    /// <summary>Base frequencies [Length][4] (A, C, G, U) of the reference set.</summary>
    public IReadOnlyList<double[]> Frequencies { get; }

    public override BackgroundSet Draw(int count, Random random)
    {
        CheckCount(count);
        var length = Reference.Length;
        var codes = new byte[count * length];
        var tracks = NewTracks(count);
        for (var r = 0; r < count; r++)
        {
            for (var i = 0; i < length; i++)
            {
                var u = random.NextDouble();
                byte b = 0;
                while (u >= _cumulative[i * 4 + b]) b++;
                codes[r * length + i] = b;
            }
            if (tracks.Length > 0) CopyTracks(random.Next(Reference.Count), tracks, r);
        }
        return new BackgroundSet(codes, count, length, Reference.TrackShapes, tracks);
    }
}
