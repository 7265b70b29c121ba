namespace RbpPipeline.Interpretation.Attribution;

/// <summary>How the path integral of integrated gradients is discretised over α ∈ [0, 1].</summary>
public enum IntegrationRule
{
    /// <summary>α = i/n for i = 0..n−1 (includes the baseline, misses the input).</summary>
    RiemannLeft,

    /// <summary>α = i/n for i = 1..n (includes the input, misses the baseline).</summary>
    RiemannRight,

    /// <summary>α = (i + ½)/n for i = 0..n−1.</summary>
    RiemannMiddle,

    /// <summary>n intervals, n + 1 points α = i/n (both end points, each with half weight).</summary>
    Trapezoid,

    /// <summary>n Gauss–Legendre nodes mapped to [0, 1]: exact for polynomials of degree ≤ 2n − 1.</summary>
    GaussLegendre,
}

/// <summary>Quadrature nodes α ∈ [0, 1] in ascending order and their weights, which sum to 1 (∫₀¹ f ≈ Σ wᵢ f(αᵢ)).</summary>
public sealed record QuadratureNodes(IReadOnlyList<double> Alphas, IReadOnlyList<double> Weights)
{
    public int Count => Alphas.Count;

    /// <summary>True when α = 0 is a node, so the path's own evaluations include the baseline.</summary>
    public bool IncludesStart => Alphas.Count > 0 && Alphas[0] == 0.0;

    /// <summary>True when α = 1 is a node, so the path's own evaluations include the input.</summary>
    public bool IncludesEnd => Alphas.Count > 0 && Alphas[^1] == 1.0;
}

public static class Quadrature
{
    /// <summary>The nodes of <paramref name="rule"/> with <paramref name="steps"/> steps (intervals for the trapezoid rule).</summary>
    public static QuadratureNodes For(IntegrationRule rule, int steps)
    {
        if (steps < 1) throw new ArgumentOutOfRangeException(nameof(steps), steps, $"steps is {steps}; the path integral needs at least 1 step");
        switch (rule)
        {
            case IntegrationRule.RiemannLeft:
                return Uniform(steps, i => (double)i / steps);
            case IntegrationRule.RiemannRight:
                return Uniform(steps, i => (double)(i + 1) / steps);
            case IntegrationRule.RiemannMiddle:
                return Uniform(steps, i => (i + 0.5) / steps);
            case IntegrationRule.Trapezoid:
                var alphas = new double[steps + 1];
                var weights = new double[steps + 1];
                for (var i = 0; i <= steps; i++)
                {
                    alphas[i] = (double)i / steps;
                    weights[i] = i == 0 || i == steps ? 0.5 / steps : 1.0 / steps;
                }
                return new QuadratureNodes(alphas, weights);
            case IntegrationRule.GaussLegendre:
                return GaussLegendre(steps);
            default:
                throw new ArgumentOutOfRangeException(nameof(rule), rule, $"unknown integration rule {rule}");
        }
    }

    /// <summary>
    /// The n-point Gauss–Legendre rule on [0, 1]: the roots of the Legendre polynomial Pₙ found by Newton's method
    /// from Chebyshev-like first guesses, with weights 2 / ((1 − x²) Pₙ′(x)²), halved by the map x ↦ (x + 1)/2.
    /// </summary>
    public static QuadratureNodes GaussLegendre(int n)
    {
        if (n < 1) throw new ArgumentOutOfRangeException(nameof(n), n, $"a Gauss–Legendre rule needs at least 1 node, got {n}");
        var alphas = new double[n];
        var weights = new double[n];
        // Roots are symmetric about 0: find the non-negative half and mirror it.
        for (var i = 0; i < (n + 1) / 2; i++)
        {
            var x = Math.Cos(Math.PI * (i + 0.75) / (n + 0.5));
            double derivative = 0;
            for (var iteration = 0; iteration < 100; iteration++)
            {
                (var p, derivative) = Legendre(n, x);
                var step = p / derivative;
                x -= step;
                if (Math.Abs(step) <= 1e-16 * Math.Max(1.0, Math.Abs(x))) break;
            }
            (_, derivative) = Legendre(n, x);
            var weight = 2.0 / ((1 - x * x) * derivative * derivative);
            // x is the i-th largest root; −x the i-th smallest. On [0, 1] the smallest α comes from −x.
            alphas[i] = (1 - x) / 2;
            alphas[n - 1 - i] = (1 + x) / 2;
            weights[i] = weights[n - 1 - i] = weight / 2;
        }
        return new QuadratureNodes(alphas, weights);
    }

    /// <summary>Pₙ(x) and Pₙ′(x) by the three-term recurrence (k Pₖ = (2k − 1) x Pₖ₋₁ − (k − 1) Pₖ₋₂).</summary>
    private static (double Value, double Derivative) Legendre(int n, double x)
    {
        double previous = 1, current = x;
        for (var k = 2; k <= n; k++)
            (previous, current) = (current, ((2 * k - 1) * x * current - (k - 1) * previous) / k);
        // Pₙ′(x) = n (x Pₙ − Pₙ₋₁) / (x² − 1), fine away from ±1 where no root lies.
        return (current, n * (x * current - previous) / (x * x - 1));
    }

    private static QuadratureNodes Uniform(int steps, Func<int, double> alpha)
    {
        var alphas = new double[steps];
        var weights = new double[steps];
        for (var i = 0; i < steps; i++)
        {
            alphas[i] = alpha(i);
            weights[i] = 1.0 / steps;
        }
        return new QuadratureNodes(alphas, weights);
    }
}
