namespace RbpPipeline.Trainer.Data;

/// <summary>The three parts a training run uses. Each part keeps the records' original file order.</summary>
public sealed record DatasetSplits(
    IReadOnlyList<SequenceRecord> Train,
    IReadOnlyList<SequenceRecord> Validation,
    IReadOnlyList<SequenceRecord> Test);

/// <summary>Fractions of a single data set for a random split; they must sum to 1.</summary>
public sealed record SplitFractions(double Train, double Validation, double Test)
{
    public static SplitFractions Default { get; } = new(0.8, 0.1, 0.1);

    public void Validate()
    {
        if (Train <= 0 || Validation < 0 || Test < 0 || !double.IsFinite(Train + Validation + Test))
            throw new ArgumentException($"split fractions must be non-negative with a positive training part, got {this}");
        if (Math.Abs(Train + Validation + Test - 1) > 1e-9)
            throw new ArgumentException($"split fractions must sum to 1, got {Train + Validation + Test} ({this})");
    }
}

/// <summary>
/// Seeded splits. When the labels are one binary task, every split is stratified (each part keeps the class
/// ratio, which matters for 1:4 CLIP sets where a small validation part could otherwise be short of positives);
/// otherwise records are drawn uniformly.
/// </summary>
public static class DatasetSplitter
{
    /// <summary>
    /// Train and test come from their own files; validation too when given, otherwise it is carved from training
    /// with <paramref name="validationFraction"/>.
    /// </summary>
    public static DatasetSplits FromFiles(IReadOnlyList<SequenceRecord> train, IReadOnlyList<SequenceRecord> test,
        IReadOnlyList<SequenceRecord>? validation, double validationFraction, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(test);
        if (validation is not null) return new DatasetSplits(train, validation, test);
        var (rest, carved) = CarveValidation(train, validationFraction, seed);
        return new DatasetSplits(rest, carved, test);
    }

    /// <summary>Splits one data set into train/validation/test by <paramref name="fractions"/>.</summary>
    public static DatasetSplits Random(IReadOnlyList<SequenceRecord> records, SplitFractions fractions, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(records);
        ArgumentNullException.ThrowIfNull(fractions);
        fractions.Validate();
        var part = new int[records.Count]; // 0 train, 1 validation, 2 test
        var random = DeterministicRandom.For(seed, "split");
        foreach (var stratum in Strata(records))
        {
            random.Shuffle(stratum);
            var test = (int)Math.Round(stratum.Count * fractions.Test, MidpointRounding.AwayFromZero);
            var validation = Math.Min(stratum.Count - test, (int)Math.Round(stratum.Count * fractions.Validation, MidpointRounding.AwayFromZero));
            for (var i = 0; i < test; i++) part[stratum[i]] = 2;
            for (var i = test; i < test + validation; i++) part[stratum[i]] = 1;
        }
        return new DatasetSplits(Select(records, part, 0), Select(records, part, 1), Select(records, part, 2));
    }

    /// <summary>Moves <paramref name="fraction"/> of the training records (per class, for binary tasks) to validation.</summary>
    public static (IReadOnlyList<SequenceRecord> Train, IReadOnlyList<SequenceRecord> Validation) CarveValidation(
        IReadOnlyList<SequenceRecord> train, double fraction, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(train);
        if (fraction is < 0 or >= 1 || double.IsNaN(fraction))
            throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "the validation fraction must be in [0, 1)");
        var splits = Random(train, new SplitFractions(1 - fraction, fraction, 0), seed);
        return (splits.Train, splits.Validation);
    }

    /// <summary>True when every record has exactly one label and all labels are 0 or 1.</summary>
    public static bool IsSingleBinaryTask(IReadOnlyList<SequenceRecord> records) =>
        records.Count > 0 && records.All(r => r.Labels.Count == 1 && r.Labels[0] is 0 or 1);

    private static List<List<int>> Strata(IReadOnlyList<SequenceRecord> records)
    {
        if (!IsSingleBinaryTask(records)) return [[.. Enumerable.Range(0, records.Count)]];
        List<int> negatives = [], positives = [];
        for (var i = 0; i < records.Count; i++) (records[i].Labels[0] == 1 ? positives : negatives).Add(i);
        return [negatives, positives];
    }

    private static SequenceRecord[] Select(IReadOnlyList<SequenceRecord> records, int[] part, int which)
    {
        var selected = new List<SequenceRecord>();
        for (var i = 0; i < records.Count; i++)
            if (part[i] == which) selected.Add(records[i]);
        return [.. selected];
    }
}
