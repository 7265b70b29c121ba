using System.Text.Json;
using RbpPipeline.Trainer.Data;
using RbpPipeline.Trainer.Metrics;

namespace RbpPipeline.Trainer.Tests;

/// <summary>The C# metrics against scipy and scikit-learn on random data with many ties.</summary>
public sealed class MetricsOracleTests
{
    private const string Script = """
        import json, sys
        import numpy as np
        from scipy.stats import pearsonr, spearmanr
        from sklearn.metrics import roc_auc_score, average_precision_score, mean_squared_error
        cases = json.load(sys.stdin)
        out = []
        for c in cases:
            x, y = np.array(c["x"]), np.array(c["y"])
            labels, scores = np.array(c["labels"]), np.array(c["scores"])
            out.append({
                "pearson": float(pearsonr(x, y)[0]),
                "spearman": float(spearmanr(x, y)[0]),
                "mse": float(mean_squared_error(y, x)),
                "auroc": float(roc_auc_score(labels, scores)),
                "ap": float(average_precision_score(labels, scores)),
            })
        print(json.dumps(out))
        """;

    private sealed record Case(double[] X, double[] Y, double[] Labels, double[] Scores);

    [Fact]
    public async Task Match_scipy_and_sklearn_with_ties()
    {
        var random = new DeterministicRandom(20240611);
        var cases = new List<Case>();
        foreach (var n in new[] { 5, 17, 200, 1000 })
        {
            foreach (var levels in new[] { 3, 10, 1_000_000 })
            {
                // Rounded values produce ties; the score also depends on the label so AUROC is not ~0.5 only.
                var x = Enumerable.Range(0, n).Select(_ => (double)random.NextInt(levels)).ToArray();
                var y = x.Select(v => Math.Round(v * 0.5 + random.NextGaussian() * levels / 4.0)).ToArray();
                var labels = Enumerable.Range(0, n).Select(i => (double)(i % 3 == 0 ? 1 : 0)).ToArray();
                var scores = labels.Select(l => (double)random.NextInt(levels) + (l == 1 && random.NextBool(0.5) ? levels / 3 : 0)).ToArray();
                cases.Add(new Case(x, y, labels, scores));
            }
        }
        var json = JsonSerializer.Serialize(cases.Select(c => new { x = c.X, y = c.Y, labels = c.Labels, scores = c.Scores }));

        var output = await PythonOracle.RunAsync(Script, stdin: json, cancellationToken: TestContext.Current.CancellationToken);
        var expected = JsonSerializer.Deserialize<JsonElement[]>(output)!;

        Assert.Equal(cases.Count, expected.Length);
        for (var i = 0; i < cases.Count; i++)
        {
            var c = cases[i];
            Assert.Equal(expected[i].GetProperty("pearson").GetDouble(), RegressionMetrics.Pearson(c.X, c.Y), 1e-9);
            Assert.Equal(expected[i].GetProperty("spearman").GetDouble(), RegressionMetrics.Spearman(c.X, c.Y), 1e-9);
            Assert.Equal(expected[i].GetProperty("mse").GetDouble(), RegressionMetrics.MeanSquaredError(c.X, c.Y), 1e-9);
            Assert.Equal(expected[i].GetProperty("auroc").GetDouble(), ClassificationMetrics.AreaUnderRoc(c.Labels, c.Scores), 1e-9);
            Assert.Equal(expected[i].GetProperty("ap").GetDouble(), ClassificationMetrics.AveragePrecision(c.Labels, c.Scores), 1e-9);
        }
    }

    [Fact]
    public void Hand_computed_values_with_ties()
    {
        // Positives {0.8, 0.5}, negatives {0.5, 0.1}: pairs (0.8>0.5, 0.8>0.1, 0.5=0.5 → ½, 0.5>0.1) = 3.5/4.
        double[] labels = [1, 0, 1, 0];
        double[] scores = [0.8, 0.5, 0.5, 0.1];
        Assert.Equal(0.875, ClassificationMetrics.AreaUnderRoc(labels, scores), 15);
        // Thresholds 0.8 (R=½, P=1) and 0.5 (R=1, P=⅔): ½·1 + ½·⅔.
        Assert.Equal(0.5 + 1.0 / 3, ClassificationMetrics.AveragePrecision(labels, scores), 15);
        Assert.Equal([1.5, 1.5, 3, 4], Ranking.AverageRanks([2.0, 2.0, 5.0, 7.0]));
        Assert.True(double.IsNaN(ClassificationMetrics.AreaUnderRoc([1, 1], [0.2, 0.3])));
        Assert.True(double.IsNaN(RegressionMetrics.Pearson([1, 1, 1], [1, 2, 3])));
        Assert.Throws<ArgumentException>(() => ClassificationMetrics.AreaUnderRoc([2, 0], [0.2, 0.3]));
    }

    [Fact]
    public void Multi_task_report_skips_missing_labels_and_averages_over_tasks()
    {
        double[][] labels = [[1, 0], [0, double.NaN], [1, 1], [0, 0]];
        double[][] predictions = [[0.9, 0.1], [0.2, 0.99], [0.8, 0.7], [0.1, 0.8]];

        var report = MultiTaskMetrics.Evaluate(["A", "B"], TaskKind.Binary, labels, predictions);

        Assert.Equal(1.0, report.Tasks[0].Auroc);
        Assert.Equal(3, report.Tasks[1].Count);
        Assert.Equal(0.5, report.Tasks[1].Auroc); // 0.7 vs {0.1, 0.8}: one win, one loss
        Assert.Equal(0.75, report.MacroAuroc);
        Assert.True(double.IsNaN(report.MacroPearson));
    }
}
