using RbpPipeline.Contracts.Manifests;

namespace RbpPipeline.Interpretation.Tests;

public sealed class PredictionTargetTests
{
    private static readonly TaskInfo[] Tasks =
    [
        new() { Name = "PUM2", Type = TaskType.Binary },
        new() { Name = "score", Type = TaskType.Regression },
        new() { Name = "region", Type = TaskType.Multiclass, Classes = ["exon", "intron", "utr"] },
    ];

    [Theory]
    [InlineData(TargetSpace.Raw)]
    [InlineData(TargetSpace.Probability)]
    public void RawWeightsAreTheDerivativeOfTheScore(TargetSpace space)
    {
        var target = PredictionTarget.ForTasks(Tasks,
            new Dictionary<string, float> { ["PUM2"] = 0.7f, ["score"] = -1.5f, ["region/intron"] = 2f, ["region/utr"] = 0.5f }, space);
        float[] raw = [0.3f, -1.2f, 0.4f, -0.8f, 1.1f];
        var weights = new float[raw.Length];
        target.RawWeights(raw, weights);
        // Central differences in float64 on the score as the oracle.
        for (var c = 0; c < raw.Length; c++)
        {
            const float h = 1e-2f;
            var plus = (float[])raw.Clone();
            var minus = (float[])raw.Clone();
            plus[c] += h;
            minus[c] -= h;
            var numeric = (target.Score(plus) - target.Score(minus)) / (2 * h);
            Assert.Equal(numeric, weights[c], 1e-4);
        }
        Assert.Equal(space == TargetSpace.Probability, target.WeightsDependOnPoint);
    }

    [Fact]
    public void ProbabilityScoreUsesSigmoidAndSoftmax()
    {
        var target = PredictionTarget.ForTasks(Tasks, new Dictionary<string, float> { ["PUM2"] = 1, ["region/exon"] = 1 }, TargetSpace.Probability);
        float[] raw = [0f, 5f, 1f, 1f, 1f];
        Assert.Equal(0.5 + 1.0 / 3, target.Score(raw), 1e-12);
    }

    [Fact]
    public void UnknownOrMissingTargetsListTheChoices()
    {
        var e = Assert.Throws<ArgumentException>(() => PredictionTarget.ForTasks(Tasks, new Dictionary<string, float> { ["QKI"] = 1 }, TargetSpace.Raw));
        Assert.Contains("'QKI'", e.Message);
        Assert.Contains("region/utr", e.Message);
        e = Assert.Throws<ArgumentException>(() => PredictionTarget.ForTasks(Tasks, new Dictionary<string, float>(), TargetSpace.Raw));
        Assert.Contains("choose the target", e.Message);
        var single = PredictionTarget.ForTasks([Tasks[0]], new Dictionary<string, float>(), TargetSpace.Raw);
        Assert.Equal([1f], single.ColumnWeights);
    }
}
