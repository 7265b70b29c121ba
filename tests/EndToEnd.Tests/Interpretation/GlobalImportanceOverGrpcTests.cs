using Grpc.Core;
using System.Text.RegularExpressions;
using RbpPipeline.Client;
using RbpPipeline.Contracts.Rbp.V1;

namespace RbpPipeline.EndToEnd.Tests.Interpretation;

/// <summary>GIA experiments served from the frozen affinity model recover what the synthetic data planted.</summary>
[Collection(InterpretedModelsCollection.Name)]
public sealed class GlobalImportanceOverGrpcTests(InterpretedModels models)
{
    /// <summary>The 6-mers inside PUM2's planted consensus UGUAHAUA (H: A, C or U).</summary>
    private static readonly Regex Pum2SixMer = new("^(UGUA[ACU]A|GUA[ACU]AU|UA[ACU]AUA)$");

    /// <summary>QKI's planted consensus ACUAAY (Y: C or U) is itself a 6-mer.</summary>
    private static readonly Regex QkiSixMer = new("^ACUAA[CU]$");

    /// <remarks>
    /// The affinity data plant PUM2 (8 nt, effect 2) and QKI (6 nt, effect 1). A 6-mer holds all of QKI's site
    /// but only part of PUM2's, so either may rank first; both must lead the 4,096 k-mers.
    /// </remarks>
    [Fact]
    public async Task Kmer_scan_ranks_the_planted_motifs_first()
    {
        var request = Request(new GlobalImportanceRequest { KmerScan = new KmerScanExperiment { K = 6, Position = 17, Top = 20 } });
        var (conditions, last) = await RunAsync(request);
        Assert.Equal(20, conditions.Count);
        var top = string.Join(", ", conditions.Take(10).Select(c => $"{c.Pattern} {c.GlobalImportance:F3}"));
        Assert.True(Pum2SixMer.IsMatch(conditions[0].Pattern) || QkiSixMer.IsMatch(conditions[0].Pattern), $"top 6-mers: {top}");
        Assert.True(conditions.Take(10).Any(c => Pum2SixMer.IsMatch(c.Pattern)), $"no PUM2 6-mer in the top 10: {top}");
        Assert.True(conditions.Take(10).Any(c => QkiSixMer.IsMatch(c.Pattern)), $"no QKI 6-mer in the top 10: {top}");
        Assert.True(conditions.Zip(conditions.Skip(1)).All(p => p.First.GlobalImportance >= p.Second.GlobalImportance), "conditions are not ranked");
        Assert.True(conditions[0].StandardError > 0 && conditions[0].StandardError < conditions[0].GlobalImportance);
        Assert.Equal(100, last.Backgrounds);
        // The k-mer alignment motif spells a planted core.
        var motif = last.Motif;
        Assert.NotNull(motif);
        var consensus = string.Concat(Enumerable.Range(0, motif.Width).Select(p =>
            "ACGU"[Enumerable.Range(0, 4).MaxBy(c => motif.Probabilities[p * 4 + c])]));
        Assert.True(consensus.Contains("CUAA") || consensus.Contains("GUA"), $"k-mer alignment motif consensus {consensus}");
    }

    [Fact]
    public async Task Multiple_sites_reproduce_the_planted_additivity()
    {
        const string pum2 = "UGUAAAUA";
        int[] positions = [3, 16, 29];
        var request = Request(new GlobalImportanceRequest { MultipleSites = new MultipleSitesExperiment { Pattern = pum2, Positions = { positions } } });
        var (copies, _) = await RunAsync(request);
        Assert.Equal(positions.Length, copies.Count);

        var singles = new List<double>();
        foreach (var position in positions)
        {
            var embed = Request(new GlobalImportanceRequest { Embed = new EmbedExperiment { Patterns = { new Pattern { Sequence = pum2, Position = position } } } });
            singles.Add((await RunAsync(embed)).Conditions.Single().GlobalImportance);
        }
        Assert.All(singles, gi => Assert.True(gi > 0.2, $"a single PUM2 site has global importance {gi}"));
        // The data's sites add up exactly; the model learned that: n copies ≈ the sum of each copy alone.
        for (var n = 1; n <= positions.Length; n++)
        {
            var additive = singles.Take(n).Sum();
            var observed = copies.Single(c => c.Value == n).GlobalImportance;
            Assert.True(Math.Abs(observed - additive) <= 0.2 * additive, $"{n} copies: {observed:F3}; sum of single copies {additive:F3}");
        }
    }

    [Fact]
    public async Task Local_effects_are_returned_per_background_and_average_to_the_global_importance()
    {
        var request = Request(new GlobalImportanceRequest { Embed = new EmbedExperiment { Patterns = { new Pattern { Sequence = "ACUAAC", Position = 17 } } } });
        request.ReturnLocalEffects = true;
        var condition = (await RunAsync(request)).Conditions.Single();
        Assert.Equal(100, condition.LocalEffects.Count);
        Assert.Equal(condition.LocalEffects.Average(v => (double)v), condition.GlobalImportance, 1e-4);
        var sd = Math.Sqrt(condition.LocalEffects.Sum(v => Math.Pow(v - condition.GlobalImportance, 2)) / (condition.LocalEffects.Count - 1));
        Assert.Equal(sd / Math.Sqrt(condition.LocalEffects.Count), condition.StandardError, 1e-3);
    }

    private GlobalImportanceRequest Request(GlobalImportanceRequest experiment)
    {
        experiment.Model = InterpretedModels.Affinity;
        var background = new Background { Kind = Background.Types.Kind.DinucleotideShuffle, Count = 100, Seed = 5, Reference = new SequenceBatch() };
        background.Reference.Sequences.AddRange(models.AffinityTest.Take(500).Select(r => r.Sequence));
        experiment.Background = background;
        return experiment;
    }

    private async Task<(List<Condition> Conditions, GlobalImportanceResponse Last)> RunAsync(GlobalImportanceRequest request)
    {
        var conditions = new List<Condition>();
        GlobalImportanceResponse? last = null;
        await foreach (var response in models.Interpretation.GlobalImportance(request, cancellationToken: TestContext.Current.CancellationToken).ResponseStream.ReadAllAsync(TestContext.Current.CancellationToken))
        {
            conditions.AddRange(response.Conditions);
            last = response;
        }
        Assert.NotNull(last);
        Assert.True(last.Done, "the stream ended without its summary message");
        return (conditions, last);
    }
}
