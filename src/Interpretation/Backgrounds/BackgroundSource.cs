namespace RbpPipeline.Interpretation.Backgrounds;

/// <summary>
/// A generator of GIA backgrounds from a reference set. Every draw takes its randomness only from the
/// <see cref="Random"/> it is given, so a seed reproduces the backgrounds. A custom set of backgrounds needs no
/// source: pass the <see cref="BackgroundSet"/> itself to the analysis (or to <see cref="PredictionFilter"/>).
/// </summary>
public abstract class BackgroundSource
{
    /// <summary>The conventional number of backgrounds of a global importance analysis.</summary>
    public const int DefaultCount = 1000;

    protected BackgroundSource(BackgroundSet reference)
    {
        if (reference.Count == 0) throw new ArgumentException("the reference set is empty");
        Reference = reference;
    }

    public BackgroundSet Reference { get; }

    /// <summary><paramref name="count"/> new backgrounds (with the track rows of the reference records they came from).</summary>
    public abstract BackgroundSet Draw(int count, Random random);

    /// <summary><paramref name="count"/> backgrounds from a generator seeded with <paramref name="seed"/>.</summary>
    public BackgroundSet Generate(int count = DefaultCount, int seed = 0) => Draw(count, new Random(seed));

    /// <summary>Copies reference record <paramref name="source"/>'s track rows into row <paramref name="row"/> of <paramref name="tracks"/>.</summary>
    protected void CopyTracks(int source, float[][] tracks, int row)
    {
        for (var t = 0; t < tracks.Length; t++)
        {
            var size = Reference.TrackShapes[t].RecordSize;
            Reference.TrackRow(t, source).CopyTo(tracks[t].AsSpan(row * size, size));
        }
    }

    protected float[][] NewTracks(int count) => [.. Reference.TrackShapes.Select(s => new float[count * s.RecordSize])];

    protected static void CheckCount(int count)
    {
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), $"{count} backgrounds requested");
    }
}
