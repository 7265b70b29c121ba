using RbpPipeline.Interpretation.Sequences;

namespace RbpPipeline.Interpretation.Motifs;

/// <summary>
/// A motif from a ranked k-mer scan: the top k-mers are aligned to the best one and their bases counted, each
/// weighted by its global importance, so strong k-mers and their shifted or mismatched relatives build one matrix.
/// </summary>
public static class KmerAlignmentMotif
{
    /// <summary>
    /// Takes the <paramref name="top"/> k-mers of highest importance (only those with a positive importance count)
    /// and aligns each to the best by cross-correlation: the shift s ∈ [−(k−1), k−1] with the most matching bases,
    /// k-mer position j against best position j + s; ties go to the smaller |s|, then to the negative shift. Each
    /// k-mer adds its importance to the count of its base at each of its columns in a frame of 3k − 2 columns
    /// around the best k-mer. Trimming: columns whose total weight is below <paramref name="minColumnWeight"/> ×
    /// the heaviest column's are cut from both ends (they are supported by a few shifted k-mers only); interior
    /// columns stay. Each remaining column is normalized to probabilities (uniform if it has no weight).
    /// </summary>
    public static Motif Build(IReadOnlyList<(string Kmer, double Importance)> kmers, int top = 10, double minColumnWeight = 0.5,
        string name = "gia_kmer_motif")
    {
        if (top < 1) throw new ArgumentOutOfRangeException(nameof(top), $"top = {top}");
        if (!(minColumnWeight is >= 0 and <= 1)) throw new ArgumentOutOfRangeException(nameof(minColumnWeight), $"{minColumnWeight}; expected 0..1");
        var chosen = kmers
            .Select((entry, index) => (Codes: NucleotideCodes.FromString(entry.Kmer), entry.Kmer, entry.Importance, index))
            .OrderByDescending(e => e.Importance).ThenBy(e => e.index)
            .Take(top)
            .Where(e => e.Importance > 0)
            .ToArray();
        if (chosen.Length == 0) throw new ArgumentException("none of the top k-mers has a positive global importance; there is no motif to align");
        var k = chosen[0].Codes.Length;
        foreach (var e in chosen)
            if (e.Codes.Length != k) throw new ArgumentException($"k-mer '{e.Kmer}' has length {e.Codes.Length}; the best k-mer has {k}");

        var best = chosen[0].Codes;
        var frame = 3 * k - 2;
        var counts = new double[frame, 4];
        foreach (var (codes, _, importance, _) in chosen)
        {
            var shift = BestShift(best, codes);
            for (var j = 0; j < k; j++)
                if (codes[j] < 4) counts[k - 1 + shift + j, codes[j]] += importance;
        }

        var weights = Enumerable.Range(0, frame).Select(c => counts[c, 0] + counts[c, 1] + counts[c, 2] + counts[c, 3]).ToArray();
        var threshold = minColumnWeight * weights.Max();
        var first = Array.FindIndex(weights, w => w > 0 && w >= threshold);
        var last = Array.FindLastIndex(weights, w => w > 0 && w >= threshold);
        var rows = new List<IReadOnlyList<double>>();
        for (var c = first; c <= last; c++)
            rows.Add(weights[c] > 0 ? [counts[c, 0], counts[c, 1], counts[c, 2], counts[c, 3]] : [0.25, 0.25, 0.25, 0.25]);
        return new Motif(name, rows, chosen.Length);
    }

    /// <summary>The shift s aligning <paramref name="codes"/>[j] with <paramref name="reference"/>[j + s] with most matches (ties: smaller |s|, then negative).</summary>
    public static int BestShift(ReadOnlySpan<byte> reference, ReadOnlySpan<byte> codes)
    {
        var k = reference.Length;
        var bestShift = 0;
        var bestMatches = -1;
        for (var magnitude = 0; magnitude < k; magnitude++)
            foreach (var shift in magnitude == 0 ? [0] : new[] { -magnitude, magnitude })
            {
                var matches = 0;
                for (var j = Math.Max(0, -shift); j < Math.Min(codes.Length, k - shift); j++)
                    if (codes[j] < 4 && codes[j] == reference[j + shift]) matches++;
                if (matches > bestMatches) (bestMatches, bestShift) = (matches, shift);
            }
        return bestShift;
    }
}
