using RbpPipeline.Interpretation.Attribution;

namespace RbpPipeline.Interpretation.Tests.Attribution;

public sealed class QuadratureTests
{
    public static TheoryData<IntegrationRule> Rules => [.. Enum.GetValues<IntegrationRule>()];

    [Theory]
    [MemberData(nameof(Rules))]
    public void WeightsSumToOneAndNodesAscendInTheUnitInterval(IntegrationRule rule)
    {
        foreach (var steps in new[] { 1, 2, 3, 7, 50, 128 })
        {
            var nodes = Quadrature.For(rule, steps);
            Assert.Equal(rule == IntegrationRule.Trapezoid ? steps + 1 : steps, nodes.Count);
            Assert.Equal(nodes.Count, nodes.Weights.Count);
            Assert.Equal(1.0, nodes.Weights.Sum(), 1e-13);
            Assert.All(nodes.Weights, w => Assert.True(w > 0));
            Assert.All(nodes.Alphas, a => Assert.InRange(a, 0.0, 1.0));
            for (var i = 1; i < nodes.Count; i++) Assert.True(nodes.Alphas[i] > nodes.Alphas[i - 1], $"{rule} {steps}: node {i} not ascending");
        }
    }

    [Fact]
    public void GaussLegendreWithNNodesIntegratesEveryPolynomialOfDegreeUpTo2NMinus1Exactly()
    {
        for (var n = 1; n <= 60; n++)
        {
            var nodes = Quadrature.GaussLegendre(n);
            for (var k = 0; k <= 2 * n - 1; k++)
            {
                var sum = 0.0;
                for (var i = 0; i < n; i++) sum += nodes.Weights[i] * Math.Pow(nodes.Alphas[i], k);
                Assert.True(Math.Abs(sum - 1.0 / (k + 1)) <= 1e-14 * (n + 1), $"n = {n}, ∫t^{k}: {sum:R} vs {1.0 / (k + 1):R}");
            }
        }
    }

    [Fact]
    public void GaussLegendreIsNotExactOneDegreeHigher()
    {
        // The guarantee is sharp: t^(2n) is integrated with a visible error for small n.
        for (var n = 1; n <= 5; n++)
        {
            var nodes = Quadrature.GaussLegendre(n);
            var sum = Enumerable.Range(0, n).Sum(i => nodes.Weights[i] * Math.Pow(nodes.Alphas[i], 2 * n));
            Assert.True(Math.Abs(sum - 1.0 / (2 * n + 1)) > 1e-6, $"n = {n}");
        }
    }

    [Fact]
    public void GaussLegendreMatchesTheClosedFormTwoAndThreePointRules()
    {
        var two = Quadrature.GaussLegendre(2);
        Assert.Equal(0.5 - 0.5 / Math.Sqrt(3), two.Alphas[0], 1e-15);
        Assert.Equal(0.5 + 0.5 / Math.Sqrt(3), two.Alphas[1], 1e-15);
        Assert.All(two.Weights, w => Assert.Equal(0.5, w, 1e-15));
        var three = Quadrature.GaussLegendre(3);
        Assert.Equal(0.5 - 0.5 * Math.Sqrt(0.6), three.Alphas[0], 1e-15);
        Assert.Equal(0.5, three.Alphas[1], 1e-15);
        Assert.Equal(5.0 / 18, three.Weights[0], 1e-15);
        Assert.Equal(8.0 / 18, three.Weights[1], 1e-15);
        Assert.Equal(5.0 / 18, three.Weights[2], 1e-15);
    }

    [Fact]
    public void RiemannAndTrapezoidRulesHaveTheirClosedFormErrorsOnTSquared()
    {
        for (var n = 1; n <= 60; n++)
        {
            double N = n;
            var expected = new Dictionary<IntegrationRule, double>
            {
                // Σ i² for i < n, and for i ≤ n, over n³; the midpoint and trapezoid rules err by ∓ f''/(24 n²) and f''/(12 n²).
                [IntegrationRule.RiemannLeft] = (N - 1) * (2 * N - 1) / (6 * N * N),
                [IntegrationRule.RiemannRight] = (N + 1) * (2 * N + 1) / (6 * N * N),
                [IntegrationRule.RiemannMiddle] = 1.0 / 3 - 1 / (12 * N * N),
                [IntegrationRule.Trapezoid] = 1.0 / 3 + 1 / (6 * N * N),
            };
            foreach (var (rule, value) in expected)
            {
                var nodes = Quadrature.For(rule, n);
                var sum = Enumerable.Range(0, nodes.Count).Sum(i => nodes.Weights[i] * nodes.Alphas[i] * nodes.Alphas[i]);
                Assert.True(Math.Abs(sum - value) <= 1e-14, $"{rule}, n = {n}: {sum:R} vs {value:R}");
            }
        }
    }

    [Fact]
    public void EndPointsAreReportedForTheRulesThatContainThem()
    {
        Assert.True(Quadrature.For(IntegrationRule.RiemannLeft, 4).IncludesStart);
        Assert.False(Quadrature.For(IntegrationRule.RiemannLeft, 4).IncludesEnd);
        Assert.True(Quadrature.For(IntegrationRule.RiemannRight, 4).IncludesEnd);
        Assert.False(Quadrature.For(IntegrationRule.RiemannRight, 4).IncludesStart);
        Assert.True(Quadrature.For(IntegrationRule.Trapezoid, 1).IncludesStart);
        Assert.True(Quadrature.For(IntegrationRule.Trapezoid, 1).IncludesEnd);
        Assert.False(Quadrature.For(IntegrationRule.GaussLegendre, 50).IncludesStart);
        Assert.False(Quadrature.For(IntegrationRule.GaussLegendre, 50).IncludesEnd);
    }

    [Fact]
    public void StepsBelowOneAreRejected()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Quadrature.For(IntegrationRule.Trapezoid, 0));
        Assert.Contains("at least 1 step", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Quadrature.GaussLegendre(0));
    }
}
