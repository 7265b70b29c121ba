using RbpPipeline.Trainer.Data;

namespace RbpPipeline.Trainer.Synthetic;

/// <summary>One CLIP-like experiment of a folder: its own planted motif, train and test sets.</summary>
public sealed record ClipExperiment(string Name, SyntheticDataset Train, SyntheticDataset Test);

/// <summary>
/// A folder of small CLIP-like experiments laid out like ../shared/data/clip-ideeps (<c>&lt;exp&gt;/train.fa.gz</c>,
/// <c>&lt;exp&gt;/test.fa.gz</c>, labels in <c>; class:</c>), each with its own motif (PUM2, QKI, HNRNPC) near the
/// centre of its positives: the data of a multi-task model with a head per experiment (<c>experiments:</c> in
/// pipeline.yaml), where each head must learn its own experiment's motif.
/// </summary>
public static class ClipExperiments
{
    public const string Folder = "clip-experiments";

    public static readonly IReadOnlyList<PlantedMotif> Motifs = [PlantedMotif.Pum2(), PlantedMotif.Qki(), PlantedMotif.Hnrnpc()];

    /// <param name="scale">Multiplies the sizes (1: 500 positives and 500 negatives per experiment for training, a quarter for testing).</param>
    public static IReadOnlyList<ClipExperiment> Generate(ulong seed, double scale = 1)
    {
        int Size(int count) => Math.Max(10, (int)Math.Round(count * scale));
        return [.. Motifs.Select(motif =>
        {
            // Balanced, every positive with a site close to the centre: small sets that a few epochs learn.
            var options = new ClipLikeOptions
            {
                Name = $"{Folder}/{motif.Name}", Motif = motif, Positives = Size(500), NegativesPerPositive = 1, PositiveSiteRate = 1, CentreWindow = 5,
            };
            return new ClipExperiment(motif.Name,
                ClipLikeGenerator.Generate(options, DeterministicRandom.For(seed, $"{Folder}/{motif.Name}/train")),
                ClipLikeGenerator.Generate(options with { Positives = Size(125) }, DeterministicRandom.For(seed, $"{Folder}/{motif.Name}/test")));
        })];
    }
}
