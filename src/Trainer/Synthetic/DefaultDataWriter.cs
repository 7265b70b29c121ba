using System.Text.Json;
using RbpPipeline.Contracts.Storage;
using RbpPipeline.Trainer.Data;

namespace RbpPipeline.Trainer.Synthetic;

/// <summary>All default data sets of one seed, train and test generated from independent streams.</summary>
public sealed record DefaultDataSets(
    SyntheticDataset ClipTrain, SyntheticDataset ClipTest,
    SyntheticDataset RnacompeteTrain, SyntheticDataset RnacompeteTest,
    SyntheticDataset MultiTaskTrain, SyntheticDataset MultiTaskTest,
    SyntheticDataset InVitroTrain, SyntheticDataset InVivoTrain, SyntheticDataset InVivoTest, SyntheticDataset InVitroTest)
{
    /// <summary>A folder of small CLIP-like experiments, one planted motif each (<see cref="ClipExperiments"/>).</summary>
    public IReadOnlyList<ClipExperiment> Experiments { get; init; } = [];

    /// <param name="scale">Multiplies every set's size (1 = the generators' defaults; tests use less).</param>
    public static DefaultDataSets Generate(ulong seed, double scale = 1)
    {
        if (scale <= 0 || !double.IsFinite(scale)) throw new ArgumentOutOfRangeException(nameof(scale), scale, "scale must be positive");
        int Size(int count) => Math.Max(10, (int)Math.Round(count * scale));
        var clip = new ClipLikeOptions();
        var rnacompete = new RnacompeteLikeOptions();
        var multi = new MultiTaskOptions();
        var inVitro = DomainShiftGenerator.DefaultInVitro;
        var inVivo = DomainShiftGenerator.DefaultInVivo;
        var experiments = ClipExperiments.Generate(seed, scale);
        return new DefaultDataSets(
            ClipLikeGenerator.Generate(clip with { Positives = Size(clip.Positives) }, DeterministicRandom.For(seed, "clip/train")),
            ClipLikeGenerator.Generate(clip with { Positives = Size(clip.Positives / 4) }, DeterministicRandom.For(seed, "clip/test")),
            RnacompeteLikeGenerator.Generate(rnacompete with { Count = Size(rnacompete.Count) }, DeterministicRandom.For(seed, "rnacompete/train")),
            RnacompeteLikeGenerator.Generate(rnacompete with { Count = Size(rnacompete.Count / 4) }, DeterministicRandom.For(seed, "rnacompete/test")),
            MultiTaskGenerator.Generate(multi with { Count = Size(multi.Count) }, DeterministicRandom.For(seed, "multitask/train")),
            MultiTaskGenerator.Generate(multi with { Count = Size(multi.Count / 4) }, DeterministicRandom.For(seed, "multitask/test")),
            RnacompeteLikeGenerator.Generate(inVitro with { Count = Size(inVitro.Count) }, DeterministicRandom.For(seed, "in-vitro/train")),
            RnacompeteLikeGenerator.Generate(inVivo with { Count = Size(inVivo.Count) }, DeterministicRandom.For(seed, "in-vivo/train")),
            RnacompeteLikeGenerator.Generate(inVivo with { Count = Size(inVivo.Count / 3) }, DeterministicRandom.For(seed, "in-vivo/test")),
            // Last, from its own stream, so that adding it changed none of the other sets.
            RnacompeteLikeGenerator.Generate(inVitro with { Count = Size(inVitro.Count / 4) }, DeterministicRandom.For(seed, "in-vitro/test")))
        {
            Experiments = experiments,
        };
    }
}

/// <summary>
/// Writes the default data in the formats the readers read, plus the planted truth: <c>truth.json</c> (motifs,
/// PWMs, effects, generator parameters per file) and a <c>.sites.tsv.gz</c> beside each data file (every planted
/// site: record id, motif, start, instance, effect).
/// </summary>
public static class DefaultDataWriter
{
    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <returns>The files written, relative to <paramref name="folder"/>.</returns>
    public static IReadOnlyList<string> Write(string folder, DefaultDataSets sets, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(sets);
        var written = new List<string>();
        var truth = new List<object>();

        void Emit(string relative, SyntheticDataset set, Action<string> write)
        {
            var path = Path.Combine(folder, relative);
            write(path);
            WriteSites(path + ".sites.tsv.gz", set);
            written.Add(relative);
            written.Add(relative + ".sites.tsv.gz");
            truth.Add(new
            {
                file = relative,
                dataset = set.Name,
                kind = set.Kind.ToString().ToLowerInvariant(),
                tasks = set.TaskNames,
                records = set.Examples.Count,
                motifs = set.Motifs.Select(m => new { name = m.Name, consensus = m.Consensus, effect = m.Effect, pwmAcgu = m.Pwm() }),
                parameters = set.Parameters,
            });
        }

        Emit("clip-like/train.fa.gz", sets.ClipTrain, p => DataWriters.WriteFasta(p, sets.ClipTrain.Records));
        Emit("clip-like/test.fa.gz", sets.ClipTest, p => DataWriters.WriteFasta(p, sets.ClipTest.Records));
        Emit("rnacompete-like/train.txt.gz", sets.RnacompeteTrain, p => DataWriters.WriteScoreSequence(p, sets.RnacompeteTrain.Records));
        Emit("rnacompete-like/test.txt.gz", sets.RnacompeteTest, p => DataWriters.WriteScoreSequence(p, sets.RnacompeteTest.Records));
        foreach (var (name, set) in new[] { ("train", sets.MultiTaskTrain), ("test", sets.MultiTaskTest) })
        {
            Emit($"multitask/{name}.tsv.gz", set, p => DataWriters.WriteTable(p, set.Records, set.TaskNames, MultiTaskGenerator.RegionTrackName));
            var matrix = $"multitask/{name}_matrix_RegionType.tab.gz";
            DataWriters.WriteRegionTypeMatrix(Path.Combine(folder, matrix), set.Records.Select(RegionFlags));
            written.Add(matrix);
        }
        Emit("domain-shift/in-vitro_train.txt.gz", sets.InVitroTrain, p => DataWriters.WriteScoreSequence(p, sets.InVitroTrain.Records, '\t'));
        Emit("domain-shift/in-vitro_test.txt.gz", sets.InVitroTest, p => DataWriters.WriteScoreSequence(p, sets.InVitroTest.Records, '\t'));
        Emit("domain-shift/in-vivo_train.txt.gz", sets.InVivoTrain, p => DataWriters.WriteScoreSequence(p, sets.InVivoTrain.Records, '\t'));
        Emit("domain-shift/in-vivo_test.txt.gz", sets.InVivoTest, p => DataWriters.WriteScoreSequence(p, sets.InVivoTest.Records, '\t'));

        foreach (var e in sets.Experiments)
        {
            Emit($"{ClipExperiments.Folder}/{e.Name}/train.fa.gz", e.Train, p => DataWriters.WriteFasta(p, e.Train.Records));
            Emit($"{ClipExperiments.Folder}/{e.Name}/test.fa.gz", e.Test, p => DataWriters.WriteFasta(p, e.Test.Records));
        }

        AtomicFile.WriteAllText(Path.Combine(folder, "truth.json"), JsonSerializer.Serialize(new { seed, files = truth }, JsonOptions));
        written.Add("truth.json");
        return written;
    }

    private static SequenceRecord RegionFlags(SequenceRecord record) =>
        record.FindTrack(MultiTaskGenerator.RegionTrackName) is SymbolTrack region
            ? record with { Tracks = [RegionTypes.ToFlags(region.Symbols)] }
            : throw new InvalidOperationException($"record '{record.Id}' has no region track");

    private static void WriteSites(string path, SyntheticDataset set) =>
        DataFile.WriteText(path, writer =>
        {
            writer.WriteLine("id\tmotif\tstart\tinstance\teffect");
            foreach (var example in set.Examples)
                foreach (var site in example.Sites)
                    writer.WriteLine($"{example.Record.Id}\t{site.Motif}\t{site.Start}\t{site.Instance}\t{DataWriters.Format(site.Effect)}");
        });
}
