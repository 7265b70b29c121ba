using RbpPipeline.Exporter.Parity;

namespace RbpPipeline.Exporter.Tests;

/// <summary>
/// The gate's element rule |Δ| ≤ atol·scale + rtol·|ref| and the kink allowance of input gradients, on hand-made
/// tensors whose answer follows from the rule's definition.
/// </summary>
public sealed class ParityToleranceTests
{
    private static readonly ParityTolerance Tol = ParityTolerance.Default;

    // 8 samples × 4 elements, values of order 1 (scale 2).
    private static float[] Reference() => [.. Enumerable.Range(0, 32).Select(i => (float)(Math.Sin(i) * 2))];

    [Fact]
    public void Float32_rounding_passes_and_the_bound_scales_with_the_values()
    {
        var expected = Reference();
        var actual = expected.Select(v => MathF.BitIncrement(MathF.BitIncrement(v))).ToArray(); // two ulps off everywhere
        Assert.True(ParityGate.Compare("g", "raw", "ref", actual, expected, Tol).Passed);

        // The same relative error on a tensor 1000 times smaller passes too: nothing is absolute.
        var small = expected.Select(v => v / 1000).ToArray();
        var smallActual = small.Select(v => MathF.BitIncrement(MathF.BitIncrement(v))).ToArray();
        Assert.True(ParityGate.Compare("g", "raw", "ref", smallActual, small, Tol).Passed);
    }

    [Fact]
    public void A_forward_output_gets_no_allowance_for_a_single_element()
    {
        var expected = Reference();
        var actual = (float[])expected.Clone();
        actual[5] += 1e-3f;
        var c = ParityGate.Compare("model.onnx", "raw", "ref", actual, expected, Tol);
        Assert.False(c.Passed);
        Assert.Equal(1, c.Violations);
    }

    [Fact]
    public void A_gradient_may_jump_in_one_sample_of_eight_but_not_in_two_nor_beyond_its_scale()
    {
        var expected = Reference();
        var oneSample = (float[])expected.Clone();
        oneSample[9] += 0.05f; // sample 1: a ReLU input on the other side of zero in one engine
        oneSample[10] -= 0.05f;
        var c = ParityGate.Compare("gradient.onnx", "grad_sequence", "ref", oneSample, expected, Tol, samples: 8);
        Assert.True(c.Passed, c.ToString());
        Assert.Equal((2, 1, 1), (c.Violations, c.SamplesOutside, c.AllowedSamples));

        var twoSamples = (float[])oneSample.Clone();
        twoSamples[30] += 0.05f; // sample 7
        Assert.False(ParityGate.Compare("gradient.onnx", "grad_sequence", "ref", twoSamples, expected, Tol, samples: 8).Passed);

        var huge = (float[])expected.Clone();
        huge[9] += 10f; // larger than the tensor's scale: no kink does that
        Assert.False(ParityGate.Compare("gradient.onnx", "grad_sequence", "ref", huge, expected, Tol, samples: 8).Passed);
    }

    [Fact]
    public void NaN_is_never_within_tolerance()
    {
        var expected = Reference();
        var actual = (float[])expected.Clone();
        actual[0] = float.NaN;
        Assert.False(ParityGate.Compare("model.onnx", "raw", "ref", actual, expected, Tol).Passed);
    }
}
