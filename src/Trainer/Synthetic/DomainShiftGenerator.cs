using RbpPipeline.Trainer.Data;

namespace RbpPipeline.Trainer.Synthetic;

/// <summary>
/// An in-vitro (source) / in-vivo (target) pair for domain adaptation (RBP-ADDA): the same motif drives both, but
/// in vivo the probes are longer and vary more in length, the background is GC-rich, the motif's effect is
/// weaker, measurement noise is larger and a tenth of the scores are pure noise. <see cref="ShiftedInVitro"/> /
/// <see cref="ShiftedInVivo"/> are the covariate-shift pair of the RBP-ADDA benchmark (one binding rule, only the
/// inputs' distribution moves).
/// </summary>
public static class DomainShiftGenerator
{
    public static RnacompeteLikeOptions DefaultInVitro { get; } = new()
    {
        Name = "in-vitro",
        Count = 10_000,
        MinLength = 30,
        MaxLength = 41,
        Motifs = [PlantedMotif.Pum2(2.5)],
        SiteCountProbabilities = [0.5, 0.35, 0.15],
        PositionDecay = 0.2,
        NoiseSd = 0.3,
        Background = BaseComposition.Uniform,
    };

    public static RnacompeteLikeOptions DefaultInVivo { get; } = new()
    {
        Name = "in-vivo",
        Count = 3_000,
        MinLength = 50,
        MaxLength = 101,
        Motifs = [PlantedMotif.Pum2(1.0)],
        SiteCountProbabilities = [0.7, 0.25, 0.05],
        PositionDecay = 0.2,
        NoiseSd = 0.8,
        Background = BaseComposition.WithGc(0.62),
        LabelNoiseRate = 0.1,
        LabelNoiseSd = 1.5,
    };

    /// <summary>
    /// A PUM2-like 8-mer that differs from PUM2's element at position 7 (G for U): planted in the shifted in-vivo
    /// domain with effect 0, so it looks like a site to a model that learned only "UGUA…" but never adds to a score.
    /// </summary>
    public static PlantedMotif Decoy { get; } = new("PUM2-decoy", "UGUAHAGA", 0);

    /// <summary>
    /// The source of the covariate-shift pair: short probes (26–34 nt, so the encoder sees 7–15 N-padded positions
    /// on the right), uniform background, no decoy. Score = 2 per PUM2 site + N(0, 0.4²), independent of the
    /// site's position (decay 0), so the rule does not depend on the sequence length.
    /// </summary>
    public static RnacompeteLikeOptions ShiftedInVitro { get; } = new()
    {
        Name = "in-vitro",
        Count = 4_000,
        MinLength = 26,
        MaxLength = 34,
        Motifs = [PlantedMotif.Pum2(2.0)],
        SiteCountProbabilities = [0.55, 0.35, 0.10],
        PositionDecay = 0,
        NoiseSd = 0.4,
        Background = BaseComposition.Uniform,
    };

    /// <summary>
    /// The target of the covariate-shift pair: the same binding rule (2 per PUM2 site, noise 0.4, no label noise)
    /// on inputs whose distribution differs in three ways the source model never saw: 41-nt sequences (real flanks
    /// where the source had N padding), a GC-rich background (0.65), and the <see cref="Decoy"/> in about half the
    /// sequences. Sequences are at most 41 nt, so RBP-ADDA's peak preprocessing keeps them whole.
    /// </summary>
    public static RnacompeteLikeOptions ShiftedInVivo { get; } = new()
    {
        Name = "in-vivo",
        Count = 2_000,
        MinLength = 41,
        MaxLength = 41,
        Motifs = [PlantedMotif.Pum2(2.0), Decoy],
        SiteCountProbabilities = [0.55, 0.35, 0.10],
        PositionDecay = 0,
        NoiseSd = 0.4,
        Background = BaseComposition.WithGc(0.65),
    };

    /// <summary>The covariate-shift pair (<see cref="ShiftedInVitro"/>, <see cref="ShiftedInVivo"/>), counts scaled by <paramref name="scale"/>.</summary>
    public static (SyntheticDataset InVitro, SyntheticDataset InVivo) GenerateShifted(ulong seed, double scale = 1.0)
    {
        if (!(scale > 0) || !double.IsFinite(scale)) throw new ArgumentOutOfRangeException(nameof(scale), scale, "the scale must be positive");
        return Generate(seed, ShiftedInVitro with { Count = Math.Max(20, (int)Math.Round(ShiftedInVitro.Count * scale)) },
            ShiftedInVivo with { Count = Math.Max(20, (int)Math.Round(ShiftedInVivo.Count * scale)) });
    }

    public static (SyntheticDataset InVitro, SyntheticDataset InVivo) Generate(ulong seed,
        RnacompeteLikeOptions? inVitro = null, RnacompeteLikeOptions? inVivo = null)
    {
        var source = inVitro ?? DefaultInVitro;
        var target = inVivo ?? DefaultInVivo;
        return (RnacompeteLikeGenerator.Generate(source, DeterministicRandom.For(seed, source.Name)),
            RnacompeteLikeGenerator.Generate(target, DeterministicRandom.For(seed, target.Name)));
    }
}
