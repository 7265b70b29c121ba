using RbpPipeline.Trainer.Data;

namespace RbpPipeline.Trainer.Synthetic;

/// <summary>Where one motif instance may start (inclusive bounds, clamped to the sequence).</summary>
internal readonly record struct SitePlan(PlantedMotif Motif, int MinStart, int MaxStart);

/// <summary>
/// Draws a background and plants motif instances so that the planted sites are the ONLY matches of any known
/// motif: a background that happens to contain a motif (or a plant that forms one with its neighbours) is drawn
/// again. That is what makes the planted truth exact — no score or label comes from an unrecorded chance site.
/// </summary>
internal sealed class SequenceComposer(IReadOnlyList<PlantedMotif> knownMotifs)
{
    private const int MaxAttempts = 10_000;

    public (string Sequence, List<(PlantedMotif Motif, int Start, string Instance)> Sites) Compose(
        DeterministicRandom random, int length, BaseComposition background, IReadOnlyList<SitePlan> plans)
    {
        var weights = background.Weights();
        var chars = new char[length];
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            for (var i = 0; i < length; i++) chars[i] = Iupac.Rna[random.NextWeighted(weights)];
            var sites = new List<(PlantedMotif Motif, int Start, string Instance)>();
            if (!TryPlace(random, length, plans, sites)) continue;
            foreach (var (motif, start, instance) in sites) instance.CopyTo(0, chars, start, instance.Length);
            var sequence = new string(chars);
            if (OnlyPlantedMatches(sequence, sites)) return (sequence, sites);
        }
        throw new InvalidOperationException(
            $"could not compose a {length}-nt sequence with {plans.Count} site(s) and no chance motif matches in {MaxAttempts} attempts; reduce the sites or lengthen the sequence");
    }

    private static bool TryPlace(DeterministicRandom random, int length, IReadOnlyList<SitePlan> plans,
        List<(PlantedMotif Motif, int Start, string Instance)> sites)
    {
        foreach (var plan in plans)
        {
            var min = Math.Max(0, plan.MinStart);
            var max = Math.Min(length - plan.Motif.Length, plan.MaxStart);
            if (max < min) throw new InvalidOperationException($"motif {plan.Motif.Name} ({plan.Motif.Length} nt) does not fit in [{plan.MinStart}, {plan.MaxStart}] of a {length}-nt sequence");
            var placed = false;
            for (var attempt = 0; attempt < 100 && !placed; attempt++)
            {
                var start = random.NextInt(min, max);
                if (sites.Any(s => start < s.Start + s.Motif.Length + 1 && s.Start < start + plan.Motif.Length + 1)) continue;
                sites.Add((plan.Motif, start, plan.Motif.Sample(random)));
                placed = true;
            }
            if (!placed) return false;
        }
        return true;
    }

    private bool OnlyPlantedMatches(string sequence, List<(PlantedMotif Motif, int Start, string Instance)> sites)
    {
        foreach (var motif in knownMotifs)
        {
            foreach (var start in motif.FindAll(sequence))
                if (!sites.Any(s => s.Motif.Consensus == motif.Consensus && s.Start == start)) return false;
        }
        return true;
    }
}
