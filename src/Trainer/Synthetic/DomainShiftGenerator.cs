using RbpPipeline.Trainer.Data;

namespace RbpPipeline.Trainer.Synthetic;

/// <summary>
/// An in-vitro (source) / in-vivo (target) pair for domain adaptation (RBP-ADDA): the same motif drives both, but
/// in vivo the probes are longer and vary more in length, the background is GC-rich, the motif's effect is
/// weaker, measurement noise is larger and a tenth of the scores are pure noise.
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

    public static (SyntheticDataset InVitro, SyntheticDataset InVivo) Generate(ulong seed,
        RnacompeteLikeOptions? inVitro = null, RnacompeteLikeOptions? inVivo = null)
    {
        var source = inVitro ?? DefaultInVitro;
        var target = inVivo ?? DefaultInVivo;
        return (RnacompeteLikeGenerator.Generate(source, DeterministicRandom.For(seed, source.Name)),
            RnacompeteLikeGenerator.Generate(target, DeterministicRandom.For(seed, target.Name)));
    }
}
