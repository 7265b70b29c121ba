using RbpPipeline.Trainer.Data;

namespace RbpPipeline.Trainer.Adaptation;

/// <summary>
/// RBP-ADDA's preparation of in-vivo peaks for a fixed 41-nt input (a pure function of its arguments):
/// <list type="bullet">
/// <item>shorter than <see cref="MinLength"/> (26): extended symmetrically to 26 with the flanking genome sequence
/// (half the missing bases from upstream, the rest from downstream; a short flank is made up from the other side);
/// where flanks run out, the fragment stays shorter and is only padded;</item>
/// <item>26 to 41 nt: kept as they are;</item>
/// <item>longer than 41: split into k equal pieces of length p ≤ 41 overlapping by at least 10, with k the smallest
/// count for which p = ⌈(L + 10(k−1)) / k⌉ ≤ 41; piece i starts at round(i·(L−p)/(k−1)), so the first piece starts at
/// 0, the last ends at L, and when 10(k−1) + L is a multiple of k every overlap is exactly 10;</item>
/// <item>every fragment is then padded on the right with N (encoded (0, 0, 0, 0)) to 41.</item>
/// </list>
/// </summary>
public static class PeakPreprocessor
{
    public const int MinLength = 26;
    public const int MaxLength = 41;
    public const int Overlap = 10;
    public const char Padding = 'N';

    /// <summary>The fragments of one peak, each exactly <paramref name="maxLength"/> characters long (padded with N).</summary>
    /// <param name="peak">The peak's sequence.</param>
    /// <param name="upstream">Genome sequence just before the peak (its last characters touch the peak); null = none.</param>
    /// <param name="downstream">Genome sequence just after the peak; null = none.</param>
    public static IReadOnlyList<string> Fragments(string peak, string? upstream = null, string? downstream = null,
        int minLength = MinLength, int maxLength = MaxLength, int overlap = Overlap)
    {
        ArgumentNullException.ThrowIfNull(peak);
        if (peak.Length == 0) throw new ArgumentException("an empty peak has no fragments", nameof(peak));
        if (maxLength < 1 || minLength > maxLength || overlap < 0 || overlap >= maxLength)
            throw new ArgumentException($"need 1 ≤ minLength ≤ maxLength and 0 ≤ overlap < maxLength (got {minLength}, {maxLength}, {overlap})");
        if (peak.Length < minLength) return [Pad(Extend(peak, upstream ?? "", downstream ?? "", minLength), maxLength)];
        if (peak.Length <= maxLength) return [Pad(peak, maxLength)];
        var (count, length) = Pieces(peak.Length, maxLength, overlap);
        var result = new string[count];
        for (var i = 0; i < count; i++)
        {
            var start = (int)Math.Round((double)i * (peak.Length - length) / (count - 1), MidpointRounding.AwayFromZero);
            result[i] = Pad(peak.Substring(start, length), maxLength);
        }
        return result;
    }

    /// <summary>The number of pieces and their common length for a peak longer than <paramref name="maxLength"/>.</summary>
    public static (int Count, int Length) Pieces(int peakLength, int maxLength = MaxLength, int overlap = Overlap)
    {
        for (var k = 2; ; k++)
        {
            var length = (peakLength + overlap * (k - 1) + k - 1) / k;
            if (length <= maxLength) return (k, length);
        }
    }

    /// <summary>
    /// Every record's fragments as records of their own, each with the peak's labels; ids get "#i" when a peak gives
    /// several fragments. Records carry no flanks, so short peaks are only padded.
    /// </summary>
    public static List<SequenceRecord> Apply(IEnumerable<SequenceRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        var result = new List<SequenceRecord>();
        foreach (var record in records)
        {
            if (record.Tracks.Count > 0)
                throw new ArgumentException($"record '{record.Id}' has tracks; peak preprocessing handles sequence-only records");
            var fragments = Fragments(record.Sequence);
            if (fragments.Count == 1) result.Add(record with { Sequence = fragments[0] });
            else for (var i = 0; i < fragments.Count; i++) result.Add(record with { Id = $"{record.Id}#{i}", Sequence = fragments[i] });
        }
        return result;
    }

    private static string Extend(string peak, string upstream, string downstream, int minLength)
    {
        var missing = minLength - peak.Length;
        var left = Math.Min(missing / 2, upstream.Length);
        var right = Math.Min(missing - left, downstream.Length);
        left = Math.Min(missing - right, upstream.Length); // a short downstream flank is made up from upstream
        return upstream[(upstream.Length - left)..] + peak + downstream[..right];
    }

    private static string Pad(string fragment, int length) => fragment.PadRight(length, Padding);
}
