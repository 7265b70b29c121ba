using RbpPipeline.Contracts.SequenceEncoding;
using RbpPipeline.Trainer.Data;

namespace RbpPipeline.Trainer.Pipeline;

/// <summary>
/// Reads a data set with <c>experiments:</c> as one multi-task data set: each experiment's files are read and split
/// on their own (its validation part carved from its own training file, stratified), then every record gets one
/// label column per experiment, its own experiment's label in its column and NaN (missing) in the others. The
/// masked losses leave the missing labels out, and the per-task metrics of the test split are each experiment's
/// figures on its own test file.
/// </summary>
public static class ExperimentsReader
{
    public static (DatasetSplits Splits, IReadOnlyList<TrackSpec> Tracks) Read(ResolvedDataset d, ulong seed)
    {
        var parts = d.Experiments ?? throw new ArgumentException($"data set '{d.Config.Name}' has no experiments", nameof(d));
        List<SequenceRecord> train = [], validation = [], test = [];
        IReadOnlyList<TrackSpec>? tracks = null;
        for (var k = 0; k < parts.Count; k++)
        {
            var (splits, partTracks) = DatasetReader.Read(parts[k], seed);
            tracks ??= partTracks;
            if (!partTracks.SequenceEqual(tracks))
                throw new InvalidOperationException($"data set '{d.Config.Name}': experiment '{d.TaskNames[k]}' has other tracks than '{d.TaskNames[0]}'");
            train.AddRange(splits.Train.Select(r => Widen(r, k, parts.Count, d.TaskNames[k])));
            validation.AddRange(splits.Validation.Select(r => Widen(r, k, parts.Count, d.TaskNames[k])));
            test.AddRange(splits.Test.Select(r => Widen(r, k, parts.Count, d.TaskNames[k])));
        }
        // Interleave the experiments' training records (the trainer shuffles every epoch, but a fixed order should not
        // depend on which experiment was read first).
        var rng = DeterministicRandom.For(seed, "experiments/" + d.Config.Name);
        for (var i = train.Count - 1; i > 0; i--)
        {
            var j = rng.NextInt(i + 1);
            (train[i], train[j]) = (train[j], train[i]);
        }
        return (new DatasetSplits(train, validation, test), tracks ?? []);
    }

    // Ids get the experiment's name, since two experiments' files may reuse ids (genomic coordinates).
    private static SequenceRecord Widen(SequenceRecord r, int experiment, int experiments, string name)
    {
        var labels = new double[experiments];
        Array.Fill(labels, double.NaN);
        labels[experiment] = r.Labels[0];
        return r with { Id = $"{name}/{r.Id}", Labels = labels };
    }
}
