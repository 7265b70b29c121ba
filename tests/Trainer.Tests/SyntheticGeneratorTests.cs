using RbpPipeline.Trainer.Data;
using RbpPipeline.Trainer.Metrics;
using RbpPipeline.Trainer.Synthetic;

namespace RbpPipeline.Trainer.Tests;

public sealed class SyntheticGeneratorTests
{
    [Fact]
    public void Same_seed_gives_identical_data_and_another_seed_different_data()
    {
        var a = DefaultDataSets.Generate(seed: 11, scale: 0.02);
        var b = DefaultDataSets.Generate(seed: 11, scale: 0.02);
        var c = DefaultDataSets.Generate(seed: 12, scale: 0.02);

        static IEnumerable<string> Fingerprint(DefaultDataSets s) =>
            new[] { s.ClipTrain, s.ClipTest, s.RnacompeteTrain, s.MultiTaskTrain, s.InVitroTrain, s.InVivoTest }
                .SelectMany(d => d.Examples)
                .Select(e => $"{e.Record.Id} {e.Record.Sequence} {string.Join(',', e.Record.Labels)} {(e.Record.FindTrack("region") as SymbolTrack)?.Symbols} {string.Join(';', e.Sites)}");

        Assert.Equal(Fingerprint(a), Fingerprint(b));
        Assert.NotEqual(Fingerprint(a).First(), Fingerprint(c).First());
        Assert.NotEqual(a.ClipTrain.Examples.Select(e => e.Record.Sequence), a.ClipTest.Examples.Take(a.ClipTrain.Examples.Count).Select(e => e.Record.Sequence));
    }

    [Fact]
    public void Clip_like_positives_carry_the_motif_near_the_centre_and_negatives_rarely()
    {
        var options = new ClipLikeOptions { Positives = 1000 };
        var set = ClipLikeGenerator.Generate(options, new DeterministicRandom(5));
        var motif = options.Motif;

        var positives = set.Examples.Where(e => e.Record.Labels[0] == 1).ToList();
        var negatives = set.Examples.Where(e => e.Record.Labels[0] == 0).ToList();
        double Rate(List<SyntheticExample> xs) => xs.Count(e => motif.FindAll(e.Record.Sequence).Any()) / (double)xs.Count;

        Assert.Equal((1000, 4000), (positives.Count, negatives.Count));
        Assert.All(set.Examples, e => Assert.Equal(101, e.Record.Sequence.Length));
        Assert.InRange(Rate(positives), 0.87, 0.93); // planted rate 0.9
        Assert.InRange(Rate(negatives), 0.04, 0.06); // planted decoy rate 0.05
        // The truth is exact: motif matches are exactly the planted sites, and positive sites are centred.
        Assert.All(set.Examples, e => Assert.Equal(e.Sites.Select(s => s.Start), motif.FindAll(e.Record.Sequence)));
        Assert.All(positives.SelectMany(e => e.Sites), s => Assert.InRange(s.Start + (s.Instance.Length - 1) / 2.0 - 50, -21, 21));
        Assert.All(positives.SelectMany(e => e.Sites), s => Assert.Equal(1, s.Effect));
        Assert.All(negatives.SelectMany(e => e.Sites), s => Assert.Equal(0, s.Effect));
        Assert.All(set.Examples.SelectMany(e => e.Sites), s => Assert.True(motif.MatchesAt(s.Instance, 0)));
    }

    [Fact]
    public void Rnacompete_like_scores_add_up_planted_effects_recovered_by_least_squares()
    {
        var options = new RnacompeteLikeOptions { Count = 8000 };
        var set = RnacompeteLikeGenerator.Generate(options, new DeterministicRandom(9));
        var pum2 = options.Motifs[0];
        var qki = options.Motifs[1];

        // Predictors from the sequences alone: position-weighted motif matches per motif.
        double Feature(PlantedMotif motif, string sequence) =>
            motif.FindAll(sequence).Sum(start => PositionEffect.Weight(start, motif.Length, sequence.Length, options.PositionDecay));
        var rows = set.Examples.Select(e => new[] { 1.0, Feature(pum2, e.Record.Sequence), Feature(qki, e.Record.Sequence) }).ToArray();
        var y = set.Examples.Select(e => e.Record.Labels[0]).ToArray();
        var (beta, standardErrors) = LeastSquares(rows, y);

        Assert.InRange(beta[1], pum2.Effect - 4 * standardErrors[1], pum2.Effect + 4 * standardErrors[1]);
        Assert.InRange(beta[2], qki.Effect - 4 * standardErrors[2], qki.Effect + 4 * standardErrors[2]);
        Assert.InRange(beta[0], -4 * standardErrors[0], 4 * standardErrors[0]);
        Assert.True(standardErrors[1] < 0.02, $"standard error {standardErrors[1]} too large for a meaningful check");
        // Residuals after the recorded site effects are the planted Gaussian noise.
        var residuals = set.Examples.Select(e => e.Record.Labels[0] - e.Sites.Sum(s => s.Effect)).ToArray();
        var sd = Math.Sqrt(residuals.Select(r => r * r).Average());
        Assert.InRange(sd, options.NoiseSd * 0.97, options.NoiseSd * 1.03);
        Assert.True(set.Examples.Any(e => e.Sites.Count(s => s.Motif == "PUM2") == 2), "additivity needs probes with two sites");
    }

    [Fact]
    public void Multi_task_labels_overlap_and_regions_decide_binding()
    {
        var options = new MultiTaskOptions { Count = 4000 };
        var set = MultiTaskGenerator.Generate(options, new DeterministicRandom(21));

        Assert.Equal(["PUM2", "QKI", "HNRNPC"], set.TaskNames);
        Assert.True(set.Examples.Count(e => e.Record.Labels.Sum() >= 2) > 50, "expected sequences positive for several tasks");
        for (var t = 0; t < 3; t++)
        {
            var protein = options.Proteins[t];
            var withSite = set.Examples.Where(e => e.Sites.Any(s => s.Motif == protein.Motif.Name)).ToList();
            bool InBoundRegion(SyntheticExample e) => e.Sites.Where(s => s.Motif == protein.Motif.Name).Any(s =>
                protein.BoundRegions.Contains(RegionTypes.NameOf(((SymbolTrack)e.Record.FindTrack("region")!).Symbols[s.Start + (s.Instance.Length - 1) / 2])));
            var inside = withSite.Where(InBoundRegion).ToList();
            var outside = withSite.Where(e => !InBoundRegion(e)).ToList();
            var positiveRateInside = inside.Average(e => e.Record.Labels[t]);
            var positiveRateOutside = outside.Average(e => e.Record.Labels[t]);
            var positiveRateWithoutSite = set.Examples.Except(withSite).Average(e => e.Record.Labels[t]);

            Assert.True(positiveRateInside > 0.95, $"{protein.Motif.Name}: {positiveRateInside}");
            Assert.True(positiveRateOutside < 0.05, $"{protein.Motif.Name}: {positiveRateOutside}");
            Assert.True(positiveRateWithoutSite < 0.05, $"{protein.Motif.Name}: {positiveRateWithoutSite}");
            Assert.True(outside.Count > 200, "region must matter for a good share of sites");
        }
    }

    [Fact]
    public void In_vivo_differs_from_in_vitro_in_composition_length_and_signal()
    {
        var (inVitro, inVivo) = DomainShiftGenerator.Generate(seed: 4,
            DomainShiftGenerator.DefaultInVitro with { Count = 3000 }, DomainShiftGenerator.DefaultInVivo with { Count = 3000 });

        // Background only: the planted AU-rich motif would pull both sets' GC down.
        static double Gc(SyntheticDataset set)
        {
            double gc = 0, total = 0;
            foreach (var e in set.Examples)
                for (var i = 0; i < e.Record.Sequence.Length; i++)
                {
                    if (e.Sites.Any(s => i >= s.Start && i < s.End)) continue;
                    total++;
                    if (e.Record.Sequence[i] is 'G' or 'C') gc++;
                }
            return gc / total;
        }
        static double SiteCorrelation(SyntheticDataset set) =>
            RegressionMetrics.Pearson(set.Examples.Select(e => (double)e.Sites.Count).ToArray(), set.Examples.Select(e => e.Record.Labels[0]).ToArray());

        Assert.InRange(Gc(inVitro), 0.48, 0.53);
        Assert.InRange(Gc(inVivo), 0.60, 0.65);
        Assert.All(inVitro.Records, r => Assert.InRange(r.Sequence.Length, 30, 41));
        Assert.All(inVivo.Records, r => Assert.InRange(r.Sequence.Length, 50, 101));
        Assert.True(SiteCorrelation(inVitro) > 0.9, $"in vitro {SiteCorrelation(inVitro)}");
        Assert.True(SiteCorrelation(inVivo) < 0.6, $"in vivo {SiteCorrelation(inVivo)}");
        Assert.InRange(inVivo.Examples.Count(e => e.LabelCorrupted) / 3000.0, 0.08, 0.12);
    }

    [Fact]
    public void The_shifted_pair_moves_the_inputs_but_keeps_the_binding_rule()
    {
        var (inVitro, inVivo) = DomainShiftGenerator.GenerateShifted(seed: 6, scale: 0.75);
        Assert.Equal(3000, inVitro.Examples.Count);
        Assert.Equal(1500, inVivo.Examples.Count);

        // Sites are counted here with plain regular expressions over the sequence, not from the generator's records.
        var pum2 = new System.Text.RegularExpressions.Regex("(?=UGUA[ACU]AUA)");
        var decoy = new System.Text.RegularExpressions.Regex("(?=UGUA[ACU]AGA)");
        static double BackgroundGc(string sequence, System.Text.RegularExpressions.Regex[] sites)
        {
            var masked = sequence.ToCharArray();
            foreach (var r in sites)
                foreach (System.Text.RegularExpressions.Match m in r.Matches(sequence))
                    for (var i = m.Index; i < m.Index + 8; i++) masked[i] = '-';
            var bases = masked.Where(c => c != '-').ToArray();
            return bases.Length == 0 ? 0 : bases.Count(c => c is 'G' or 'C') / (double)bases.Length;
        }
        double MeanGc(SyntheticDataset set) => set.Records.Average(r => BackgroundGc(r.Sequence, [pum2, decoy]));

        // The covariate shift: composition, length (flanks where the source has N padding) and the decoy.
        Assert.InRange(MeanGc(inVitro), 0.47, 0.53);
        Assert.InRange(MeanGc(inVivo), 0.62, 0.68);
        Assert.All(inVitro.Records, r => Assert.InRange(r.Sequence.Length, 26, 34));
        Assert.All(inVivo.Records, r => Assert.Equal(41, r.Sequence.Length));
        Assert.InRange(inVivo.Records.Count(r => decoy.IsMatch(r.Sequence)) / 1500.0, 0.40, 0.50);
        Assert.True(inVitro.Records.Count(r => decoy.IsMatch(r.Sequence)) / 3000.0 < 0.01);

        // The same rule in both domains: score = 2 per PUM2 site + N(0, 0.4²); the decoy adds nothing.
        foreach (var set in new[] { inVitro, inVivo })
        {
            var residuals = set.Records.Select(r => r.Labels[0] - 2.0 * pum2.Matches(r.Sequence).Count).ToArray();
            var mean = residuals.Average();
            var sd = Math.Sqrt(residuals.Sum(x => (x - mean) * (x - mean)) / (residuals.Length - 1));
            Assert.InRange(mean, -0.04, 0.04);
            Assert.InRange(sd, 0.37, 0.43);
        }
        var withDecoy = inVivo.Records.Where(r => decoy.IsMatch(r.Sequence)).Select(r => r.Labels[0] - 2.0 * pum2.Matches(r.Sequence).Count).Average();
        var withoutDecoy = inVivo.Records.Where(r => !decoy.IsMatch(r.Sequence)).Select(r => r.Labels[0] - 2.0 * pum2.Matches(r.Sequence).Count).Average();
        Assert.InRange(withDecoy - withoutDecoy, -0.06, 0.06);
    }

    [Fact]
    public void Motif_pwm_spreads_each_iupac_code_evenly()
    {
        var pwm = PlantedMotif.Pum2().Pwm();

        Assert.Equal(8, pwm.Length);
        Assert.Equal([0, 0, 0, 1], pwm[0]);             // U
        Assert.Equal([1 / 3.0, 1 / 3.0, 0, 1 / 3.0], pwm[4]); // H = A, C, U
        Assert.Throws<ArgumentException>(() => new PlantedMotif("bad", "UGX", 1));
    }

    /// <summary>Ordinary least squares through the normal equations, with classical standard errors.</summary>
    private static (double[] Beta, double[] StandardErrors) LeastSquares(double[][] x, double[] y)
    {
        var p = x[0].Length;
        var xtx = new double[p, p];
        var xty = new double[p];
        for (var i = 0; i < x.Length; i++)
            for (var a = 0; a < p; a++)
            {
                xty[a] += x[i][a] * y[i];
                for (var b = 0; b < p; b++) xtx[a, b] += x[i][a] * x[i][b];
            }
        var inverse = Invert(xtx);
        var beta = new double[p];
        for (var a = 0; a < p; a++)
            for (var b = 0; b < p; b++) beta[a] += inverse[a, b] * xty[b];
        var rss = x.Select((row, i) => y[i] - row.Select((v, a) => v * beta[a]).Sum()).Sum(r => r * r);
        var sigma2 = rss / (x.Length - p);
        return (beta, [.. Enumerable.Range(0, p).Select(a => Math.Sqrt(sigma2 * inverse[a, a]))]);
    }

    private static double[,] Invert(double[,] m)
    {
        var n = m.GetLength(0);
        var a = new double[n, 2 * n];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++) a[i, j] = m[i, j];
            a[i, n + i] = 1;
        }
        for (var col = 0; col < n; col++)
        {
            var pivot = Enumerable.Range(col, n - col).MaxBy(r => Math.Abs(a[r, col]));
            for (var j = 0; j < 2 * n; j++) (a[col, j], a[pivot, j]) = (a[pivot, j], a[col, j]);
            var scale = a[col, col];
            for (var j = 0; j < 2 * n; j++) a[col, j] /= scale;
            for (var r = 0; r < n; r++)
            {
                if (r == col) continue;
                var factor = a[r, col];
                for (var j = 0; j < 2 * n; j++) a[r, j] -= factor * a[col, j];
            }
        }
        var inverse = new double[n, n];
        for (var i = 0; i < n; i++)
            for (var j = 0; j < n; j++) inverse[i, j] = a[i, n + j];
        return inverse;
    }
}
