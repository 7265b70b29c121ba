using RbpPipeline.Interpretation.Sequences;

namespace RbpPipeline.Interpretation.Motifs;

/// <summary>How <see cref="AttributionConsensus"/> picks, groups and trims windows.</summary>
public sealed record ConsensusOptions
{
    /// <summary>Window width w.</summary>
    public int Width { get; init; } = 8;

    /// <summary>Non-overlapping windows taken per sequence, highest summed attribution first (only positive sums).</summary>
    public int WindowsPerSequence { get; init; } = 1;

    /// <summary>A window joins a group when, at the best shift, at least this fraction of w bases match the group's seed.</summary>
    public double MatchThreshold { get; init; } = 0.75;

    /// <summary>Largest shift tried when aligning a window to a seed; default w / 2.</summary>
    public int? MaxShift { get; init; }

    /// <summary>End columns covered by fewer than this fraction of a group's windows are trimmed.</summary>
    public double MinCoverage { get; init; } = 0.5;

    /// <summary>End columns with less information than this (bits, uniform background) are then trimmed too.</summary>
    public double MinColumnInformation { get; init; } = 0.5;

    /// <summary>Groups with fewer windows are not reported.</summary>
    public int MinSites { get; init; } = 2;
}

/// <summary>One window of a consensus group: which sequence, where, its summed attribution, and its shift against the seed.</summary>
public sealed record MotifSite(int Sequence, int Start, double Attribution, int Shift);

/// <summary>A consensus motif and the windows it was built from (the first is the seed).</summary>
public sealed record ConsensusMotif(Motif Motif, IReadOnlyList<MotifSite> Sites);

/// <summary>
/// Consensus motifs from attribution maps of high-scoring inputs. Per-position attribution is the sum over the
/// four channels (for a one-hot input only the actual base's channel carries gradient × input, so this is that
/// base's attribution). The top windows of width w by summed attribution are taken from each sequence, then
/// grouped greedily, strongest window first: a window joins the existing group whose seed it matches best at
/// the best shift (match fraction = matching bases / w, so large shifts are penalized), if that fraction reaches
/// the threshold; otherwise it seeds a new group. Each group's windows, aligned by their shifts, give a position
/// probability matrix over a frame of w + 2·MaxShift columns, trimmed at the ends (coverage, then information).
/// Motifs are returned largest group first.
/// </summary>
public static class AttributionConsensus
{
    /// <param name="attributions">One map per sequence, [4, L] channel-major (the one-hot layout).</param>
    /// <param name="sequences">The sequences' codes, each of length L.</param>
    public static IReadOnlyList<ConsensusMotif> Find(IReadOnlyList<float[]> attributions, IReadOnlyList<byte[]> sequences,
        ConsensusOptions? options = null, string namePrefix = "attribution_motif")
    {
        options ??= new ConsensusOptions();
        var width = options.Width;
        var maxShift = options.MaxShift ?? width / 2;
        if (width < 1) throw new ArgumentOutOfRangeException(nameof(options), $"window width {width}");
        if (maxShift < 0 || maxShift >= width) throw new ArgumentOutOfRangeException(nameof(options), $"max shift {maxShift} for windows of {width}");
        if (attributions.Count != sequences.Count)
            throw new ArgumentException($"{attributions.Count} attribution maps for {sequences.Count} sequences");

        var windows = new List<MotifSite>();
        for (var s = 0; s < sequences.Count; s++)
            windows.AddRange(TopWindows(s, attributions[s], sequences[s], width, options.WindowsPerSequence));
        windows.Sort((a, b) => b.Attribution.CompareTo(a.Attribution) is var byScore and not 0 ? byScore
            : a.Sequence != b.Sequence ? a.Sequence.CompareTo(b.Sequence) : a.Start.CompareTo(b.Start));

        var groups = new List<List<MotifSite>>();
        foreach (var window in windows)
        {
            var bases = sequences[window.Sequence].AsSpan(window.Start, width);
            var (bestGroup, bestShift, bestFraction) = (-1, 0, -1.0);
            for (var g = 0; g < groups.Count; g++)
            {
                var seed = groups[g][0];
                var (shift, matches) = Align(sequences[seed.Sequence].AsSpan(seed.Start, width), bases, maxShift);
                var fraction = (double)matches / width;
                if (fraction > bestFraction) (bestGroup, bestShift, bestFraction) = (g, shift, fraction);
            }
            if (bestGroup >= 0 && bestFraction >= options.MatchThreshold) groups[bestGroup].Add(window with { Shift = bestShift });
            else groups.Add([window with { Shift = 0 }]);
        }

        var motifs = groups
            .Where(g => g.Count >= options.MinSites)
            .OrderByDescending(g => g.Count).ThenByDescending(g => g.Sum(w => w.Attribution))
            .Select(g => (Group: g, Rows: Matrix(g, sequences, width, maxShift, options)))
            .Where(m => m.Rows.Count > 0)
            .Select((m, i) => new ConsensusMotif(new Motif($"{namePrefix}_{i + 1}", m.Rows, m.Group.Count), m.Group))
            .ToArray();
        return motifs;
    }

    /// <summary>
    /// The shift s (|s| ≤ <paramref name="maxShift"/>) aligning window[j] with seed[j + s] with the most matching
    /// bases, and that count; ties go to the smaller |s|, then the negative shift.
    /// </summary>
    public static (int Shift, int Matches) Align(ReadOnlySpan<byte> seed, ReadOnlySpan<byte> window, int maxShift)
    {
        var (bestShift, bestMatches) = (0, -1);
        for (var magnitude = 0; magnitude <= maxShift; magnitude++)
            for (var sign = -1; sign <= 1; sign += 2)
            {
                var shift = sign * magnitude;
                if (magnitude == 0 && sign > 0) continue;
                var matches = 0;
                for (var j = Math.Max(0, -shift); j < Math.Min(window.Length, seed.Length - shift); j++)
                    if (window[j] < 4 && window[j] == seed[j + shift]) matches++;
                if (matches > bestMatches) (bestShift, bestMatches) = (shift, matches);
            }
        return (bestShift, bestMatches);
    }

    private static IEnumerable<MotifSite> TopWindows(int sequence, float[] map, byte[] codes, int width, int count)
    {
        var length = codes.Length;
        if (map.Length != 4 * length)
            throw new ArgumentException($"attribution map {sequence} has {map.Length} values; a sequence of length {length} needs {4 * length}");
        if (length < width) yield break;
        var prefix = new double[length + 1];
        for (var i = 0; i < length; i++)
            prefix[i + 1] = prefix[i] + map[i] + map[length + i] + map[2 * length + i] + map[3 * length + i];
        var candidates = Enumerable.Range(0, length - width + 1)
            .Select(start => (Start: start, Sum: prefix[start + width] - prefix[start]))
            .Where(w => w.Sum > 0)
            .OrderByDescending(w => w.Sum).ThenBy(w => w.Start);
        var taken = new List<int>();
        foreach (var (start, sum) in candidates)
        {
            if (taken.Count == count) break;
            if (taken.Any(t => Math.Abs(t - start) < width)) continue;
            taken.Add(start);
            yield return new MotifSite(sequence, start, sum, 0);
        }
    }

    private static List<IReadOnlyList<double>> Matrix(List<MotifSite> group, IReadOnlyList<byte[]> sequences, int width, int maxShift,
        ConsensusOptions options)
    {
        var frame = width + 2 * maxShift;
        var counts = new double[frame, 4];
        var coverage = new int[frame];
        foreach (var site in group)
            for (var j = 0; j < width; j++)
            {
                var code = sequences[site.Sequence][site.Start + j];
                var column = maxShift + site.Shift + j;
                coverage[column]++;
                if (code < 4) counts[column, code]++;
            }
        var rows = new List<IReadOnlyList<double>>();
        var information = new double[frame];
        for (var c = 0; c < frame; c++)
        {
            var total = counts[c, 0] + counts[c, 1] + counts[c, 2] + counts[c, 3];
            double[] row = total > 0 ? [counts[c, 0] / total, counts[c, 1] / total, counts[c, 2] / total, counts[c, 3] / total] : [0.25, 0.25, 0.25, 0.25];
            rows.Add(row);
            information[c] = 2 + row.Where(p => p > 0).Sum(p => p * Math.Log2(p));
        }
        bool Keep(int c) => coverage[c] >= options.MinCoverage * group.Count && coverage[c] > 0 && information[c] >= options.MinColumnInformation;
        var first = 0;
        while (first < frame && !Keep(first)) first++;
        var last = frame - 1;
        while (last >= first && !Keep(last)) last--;
        return first > last ? [] : rows.GetRange(first, last - first + 1);
    }
}
