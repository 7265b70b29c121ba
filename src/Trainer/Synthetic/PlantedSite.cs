using RbpPipeline.Trainer.Data;

namespace RbpPipeline.Trainer.Synthetic;

/// <summary>
/// One motif instance the generator put into a sequence: the ground truth an attribution method should find.
/// </summary>
/// <param name="Start">0-based position of the first base.</param>
/// <param name="Effect">
/// What the site contributed: in regression sets the exact amount added to the score; in binary sets 1 for a
/// site that makes its task's label positive and 0 for a decoy (a site in a negative, or in a region where the
/// protein does not bind).
/// </param>
public sealed record PlantedSite(string Motif, int Start, string Instance, double Effect)
{
    public int End => Start + Instance.Length;
}

/// <summary>A generated record with the truth behind it.</summary>
/// <param name="LabelCorrupted">True when label noise replaced or flipped the label the sites imply.</param>
public sealed record SyntheticExample(SequenceRecord Record, IReadOnlyList<PlantedSite> Sites, bool LabelCorrupted = false);
