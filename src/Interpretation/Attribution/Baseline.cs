namespace RbpPipeline.Interpretation.Attribution;

/// <summary>
/// The reference point integrated gradients walks from, for one model input. Most kinds give one record (or a
/// few) shared by every row; shuffles derive theirs from each row. Several records per row make integrated gradients
/// run against each and average the attributions and baseline scores.
/// </summary>
public abstract record Baseline
{
    private protected Baseline()
    {
    }

    /// <summary>All zeros: for one-hot sequences, "no base anywhere".</summary>
    public static Baseline Zeros { get; } = new ZeroBaseline();

    /// <summary>1/channels in every channel (0.25 per base for the sequence input).</summary>
    public static Baseline Uniform { get; } = new UniformBaseline();

    /// <summary>The same per-channel value at every position, e.g. RBP-ADDA's gap (0.3, 0.2, 0.2, 0.3).</summary>
    public static Baseline Frequencies(IReadOnlyList<float> perChannel) => new FrequencyBaseline(perChannel);

    /// <summary><paramref name="count"/> uniformly random shuffles of each row's sequence (composition kept), seeded.</summary>
    public static Baseline Shuffles(int count, int seed) => new ShuffleBaseline(count, seed, dinucleotide: false);

    /// <summary><paramref name="count"/> dinucleotide shuffles of each row's sequence (dinucleotide counts kept), seeded.</summary>
    public static Baseline DinucleotideShuffles(int count, int seed) => new ShuffleBaseline(count, seed, dinucleotide: true);

    /// <summary>
    /// Multi-resBind's baseline: the element-wise mean of the <paramref name="count"/> rows of a reference set that
    /// score lowest on the target. <paramref name="referenceInputs"/> holds every model input for
    /// <paramref name="referenceRows"/> rows (the model needs all of them to score a row); the baseline of an input
    /// is the mean of that input's rows.
    /// </summary>
    public static Baseline LowestScoring(IReadOnlyList<float[]> referenceInputs, int referenceRows, int count) =>
        new LowestScoringBaseline(referenceInputs, referenceRows, count);

    /// <summary>Given records [channels, length]; several make attributions averaged over them.</summary>
    public static Baseline Custom(IReadOnlyList<float[]> records) => new CustomBaseline(records);
}

public sealed record ZeroBaseline : Baseline;

public sealed record UniformBaseline : Baseline;

public sealed record FrequencyBaseline : Baseline
{
    public FrequencyBaseline(IReadOnlyList<float> perChannel)
    {
        ArgumentNullException.ThrowIfNull(perChannel);
        for (var c = 0; c < perChannel.Count; c++)
            if (!float.IsFinite(perChannel[c])) throw new ArgumentException($"baseline frequency of channel {c} is {perChannel[c]}; expected a finite number");
        PerChannel = [.. perChannel];
    }

    public IReadOnlyList<float> PerChannel { get; }
}

/// <summary>Shuffles of the sequence input only: a track has no letters to shuffle.</summary>
public sealed record ShuffleBaseline : Baseline
{
    public ShuffleBaseline(int count, int seed, bool dinucleotide)
    {
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), count, $"{count} shuffles; expected at least 1");
        Count = count;
        Seed = seed;
        Dinucleotide = dinucleotide;
    }

    public int Count { get; }

    public int Seed { get; }

    public bool Dinucleotide { get; }
}

public sealed record LowestScoringBaseline : Baseline
{
    public LowestScoringBaseline(IReadOnlyList<float[]> referenceInputs, int referenceRows, int count)
    {
        ArgumentNullException.ThrowIfNull(referenceInputs);
        if (referenceRows < 1) throw new ArgumentOutOfRangeException(nameof(referenceRows), referenceRows, $"a reference set of {referenceRows} rows; expected at least 1");
        if (count < 1 || count > referenceRows)
            throw new ArgumentOutOfRangeException(nameof(count), count, $"the {count} lowest-scoring of {referenceRows} reference rows; expected 1 to {referenceRows}");
        ReferenceInputs = referenceInputs;
        ReferenceRows = referenceRows;
        Count = count;
    }

    public IReadOnlyList<float[]> ReferenceInputs { get; }

    public int ReferenceRows { get; }

    public int Count { get; }
}

public sealed record CustomBaseline : Baseline
{
    public CustomBaseline(IReadOnlyList<float[]> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        if (records.Count == 0) throw new ArgumentException("a custom baseline needs at least one record", nameof(records));
        Records = records;
    }

    public IReadOnlyList<float[]> Records { get; }
}

/// <summary>
/// The baselines of one request: <see cref="Sequence"/> for the sequence input (the model's first), and for every
/// other input its entry in <see cref="Others"/> by input name, else zeros. Inputs with several records per row must
/// agree on how many; an input with one record pairs with each of them.
/// </summary>
public sealed record AttributionBaselines(Baseline Sequence)
{
    public IReadOnlyDictionary<string, Baseline> Others { get; init; } = new Dictionary<string, Baseline>();

    public static AttributionBaselines Zeros { get; } = new(Baseline.Zeros);
}
