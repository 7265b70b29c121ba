using RbpPipeline.Trainer.Training;
using static TorchSharp.torch;

namespace RbpPipeline.Trainer.Tests.Training;

public sealed class MaskedLossTests
{
    private static double Loss(LossKind kind, float[] output, float[] target, long[] shape, float[]? weight = null, long[]? outputShape = null)
    {
        using var scope = NewDisposeScope();
        return MaskedLoss.Compute(kind, tensor(output, outputShape ?? shape), tensor(target, shape), weight is null ? null : tensor(weight)).item<float>();
    }

    private static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    [Fact]
    public void Mse_leaves_missing_labels_out_of_the_mean()
    {
        // [2 samples, 2 tasks]; one label missing.
        var loss = Loss(LossKind.Mse, [1f, 2f, 3f, 4f], [0f, float.NaN, 1f, 5f], [2, 2]);

        var expected = ((1 - 0) * (1 - 0) + (3 - 1) * (3 - 1) + (4 - 5) * (4 - 5)) / 3.0; // 6 / 3
        Assert.Equal(expected, loss, 6);
    }

    [Fact]
    public void Weighted_bce_weighs_the_positive_term_per_task_and_masks_missing_labels()
    {
        float[] logits = [0.5f, -1.0f, 2.0f, 0.25f, -0.75f, 1.5f];
        float[] labels = [1f, 0f, float.NaN, 1f, 1f, 0f];
        float[] posWeight = [4f, 0.5f];

        var loss = Loss(LossKind.WeightedBce, logits, labels, [3, 2], posWeight);

        double sum = 0;
        var n = 0;
        for (var i = 0; i < 6; i++)
        {
            if (float.IsNaN(labels[i])) continue;
            var w = posWeight[i % 2];
            var p = Sigmoid(logits[i]);
            sum += -(w * labels[i] * Math.Log(p) + (1 - labels[i]) * Math.Log(1 - p));
            n++;
        }
        Assert.Equal(sum / n, loss, 5);
    }

    [Fact]
    public void Bce_without_weights_is_the_plain_mean_over_present_labels()
    {
        var loss = Loss(LossKind.Bce, [0.3f, -2f, 1f], [1f, float.NaN, 0f], [3, 1]);

        var expected = (-Math.Log(Sigmoid(0.3)) - Math.Log(1 - Sigmoid(1))) / 2;
        Assert.Equal(expected, loss, 5);
    }

    [Fact]
    public void Cross_entropy_takes_class_indices_and_skips_missing_ones()
    {
        float[] logits = [1f, 2f, 0.5f, 0f, 0f, 3f, 2f, 2f, 2f];
        var loss = Loss(LossKind.CrossEntropy, logits, [1f, float.NaN, 0f], [3, 1], outputShape: [3, 3]);

        double Nll(int row, int cls)
        {
            var z = Enumerable.Range(0, 3).Select(c => Math.Exp(logits[row * 3 + c])).Sum();
            return -Math.Log(Math.Exp(logits[row * 3 + cls]) / z);
        }
        Assert.Equal((Nll(0, 1) + Nll(2, 0)) / 2, loss, 5);
    }

    [Fact]
    public void A_batch_without_labels_has_zero_loss_and_zero_gradient()
    {
        using var scope = NewDisposeScope();
        var output = tensor(new[] { 1f, 2f }, [2, 1]).requires_grad_();
        var loss = MaskedLoss.Compute(LossKind.Mse, output, tensor(new[] { float.NaN, float.NaN }, [2, 1]));
        loss.backward();

        Assert.Equal(0f, loss.item<float>());
        Assert.Equal([0f, 0f], output.grad!.data<float>().ToArray());
    }

    [Fact]
    public void Positive_weights_are_negatives_over_positives()
    {
        Assert.Equal([4f, 1f, 1f, 0.5f], MaskedLoss.PositiveWeights([(10, 40), (0, 5), (5, 0), (6, 3)]));
    }
}
