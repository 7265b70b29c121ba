using static RbpPipeline.Torch.torch;

namespace RbpPipeline.Torch.Tests;

/// <summary>
/// Finite-difference gradient check in float64: the analytic gradient of sum(f(inputs) · w) (w fixed random)
/// with respect to every input (leaf tensors: data and parameters) against central differences.
/// </summary>
internal static class GradCheck
{
    public static void Check(Func<Tensor> f, IReadOnlyList<Tensor> inputs, double eps = 1e-6, double atol = 1e-5,
        double rtol = 1e-3, int? seed = null)
    {
        using var scope = NewDisposeScope();
        foreach (var x in inputs)
        {
            Assert.Equal(ScalarType.Float64, x.dtype);
            x.grad = null;
        }
        Tensor Eval()
        {
            // Reseeding makes random layers (dropout) draw the same mask in every evaluation.
            if (seed is { } s) manual_seed(s);
            return f();
        }

        Tensor weights;
        using (no_grad()) weights = randn(Eval().shape, ScalarType.Float64);
        (Eval() * weights).sum().backward();
        var analytic = inputs.Select(x => x.grad?.data<double>().ToArray() ?? new double[x.numel()]).ToList();

        double Objective()
        {
            using var inner = NewDisposeScope();
            using (no_grad()) return (Eval() * weights).sum().item<double>();
        }

        for (var k = 0; k < inputs.Count; k++)
        {
            var x = inputs[k];
            var values = x.data<double>().ToArray();
            var shape = x.shape;
            for (var i = 0; i < values.Length; i++)
            {
                var original = values[i];
                values[i] = original + eps;
                Set(x, values, shape);
                var plus = Objective();
                values[i] = original - eps;
                Set(x, values, shape);
                var minus = Objective();
                values[i] = original;
                Set(x, values, shape);
                var numeric = (plus - minus) / (2 * eps);
                var a = analytic[k][i];
                Assert.True(Math.Abs(a - numeric) <= atol + rtol * Math.Abs(numeric),
                    $"input {k} element {i}: analytic {a:G9} vs numeric {numeric:G9}");
            }
        }
    }

    private static void Set(Tensor x, double[] values, long[] shape)
    {
        using var scope = NewDisposeScope();
        using (no_grad()) x.copy_(tensor(values, shape));
    }

    public static Tensor Leaf(params long[] shape) => randn(shape, ScalarType.Float64).requires_grad_().DetachFromDisposeScope();
}
