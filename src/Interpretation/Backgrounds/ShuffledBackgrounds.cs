using RbpPipeline.Interpretation.Sequences;

namespace RbpPipeline.Interpretation.Backgrounds;

/// <summary>
/// Shuffles of reference records drawn uniformly at random with replacement: a uniform permutation (keeps each
/// sequence's base composition) or a dinucleotide shuffle (keeps its dinucleotide counts, so local structure
/// propensity and CpG-like biases survive while motifs are destroyed). Track rows are those of the drawn record,
/// unshuffled.
/// </summary>
public sealed class ShuffledBackgrounds(BackgroundSet reference, bool dinucleotide) : BackgroundSource(reference)
{
    public bool Dinucleotide { get; } = dinucleotide;

    public override BackgroundSet Draw(int count, Random random)
    {
        CheckCount(count);
        var length = Reference.Length;
        var codes = new byte[count * length];
        var tracks = NewTracks(count);
        for (var r = 0; r < count; r++)
        {
            var source = random.Next(Reference.Count);
            var destination = codes.AsSpan(r * length, length);
            if (Dinucleotide) Shuffling.DinucleotideShuffle(Reference.Sequence(source), destination, random);
            else Shuffling.Shuffle(Reference.Sequence(source), destination, random);
            CopyTracks(source, tracks, r);
        }
        return new BackgroundSet(codes, count, length, Reference.TrackShapes, tracks);
    }
}
