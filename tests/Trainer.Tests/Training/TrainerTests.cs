using RbpPipeline.Trainer.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace RbpPipeline.Trainer.Tests.Training;

[Collection(TorchCollection.Name)]
public sealed class TrainerTests
{
    private static readonly TrainingOptions Binary = new()
    {
        Optimizer = OptimizerKind.Adam, LearningRate = 0.01, BatchSize = 64, Epochs = 6, Loss = LossKind.Bce, Monitor = "auroc", Seed = 3, Threads = 1,
    };

    [Fact]
    public void Learns_the_planted_motif_of_CLIP_like_data()
    {
        var data = TrainingData.Clip();

        using var outcome = Run.Train(data.Request(Binary));
        var test = Evaluation.Evaluate(outcome.Network, data.Test, data.Tasks, LossKind.Bce, null);

        // 10 % of the positives carry no site, so even a perfect model stays near 0.95; chance is 0.5.
        Assert.True(test.Get("auroc") >= 0.85, $"test AUROC {test.Get("auroc"):F3}");
        Assert.True(outcome.History[^1].TrainLoss < outcome.History[0].TrainLoss, "the training loss did not fall");
    }

    [Fact]
    public async Task A_seeded_run_gives_the_same_weights_while_other_trainings_run_in_the_same_process()
    {
        // TinyCnn has dropout, so every training step draws from libtorch's process-wide generator.
        var data = TrainingData.Clip(positives: 60);
        var options = Binary with { Epochs = 2 };
        using var alone = Run.Train(data.Request(options));

        var ct = TestContext.Current.CancellationToken;
        var runs = Enumerable.Range(0, 4)
            .Select(i => Task.Run(() => ModelTrainer.Train(data.Request(options with { Seed = options.Seed + (ulong)(i % 2) }), ct), ct)).ToList();
        var outcomes = await Task.WhenAll(runs);
        try
        {
            Assert.True(StateEquals(alone.Network.Module, outcomes[0].Network.Module), "seed 3 beside other trainings: weights differ from seed 3 alone");
            Assert.True(StateEquals(alone.Network.Module, outcomes[2].Network.Module), "second seed-3 run: weights differ");
            Assert.False(StateEquals(alone.Network.Module, outcomes[1].Network.Module), "seed 4 gave seed 3's weights: the comparison cannot tell runs apart");
        }
        finally
        {
            foreach (var o in outcomes) o.Dispose();
        }
    }

    [Fact]
    public void Learns_RNAcompete_like_regression_and_reports_pearson_on_the_data_scale()
    {
        var data = TrainingData.Rnacompete();
        var options = Binary with { Loss = LossKind.Mse, Monitor = "pearson", Epochs = 8, LearningRate = 0.005 };

        using var outcome = Run.Train(data.Request(options));
        var test = Evaluation.Evaluate(outcome.Network, data.Test, data.Tasks, LossKind.Mse, null);

        Assert.True(test.Get("pearson") >= 0.7, $"test Pearson {test.Get("pearson"):F3}");
    }

    [Fact]
    public void The_network_ends_with_the_best_epochs_weights()
    {
        var data = TrainingData.Clip(positives: 150);
        // A high learning rate makes validation AUROC wander, so the best epoch is rarely the last one.
        var options = Binary with { LearningRate = 0.05, Epochs = 6 };

        using var outcome = Run.Train(data.Request(options));
        var validation = Evaluation.Evaluate(outcome.Network, data.Validation, data.Tasks, LossKind.Bce, null);

        var best = outcome.History.Where(h => h.Improved).Last();
        Assert.Equal(best.Epoch, outcome.BestEpoch);
        Assert.Equal(outcome.History.Max(h => h.Monitor), best.Monitor);
        // Exactly the figure recorded for the best epoch: its weights (and running statistics) were restored.
        Assert.Equal(best.Monitor, validation.Get("auroc"));
    }

    [Fact]
    public void Early_stopping_ends_the_run_after_patience_epochs_without_improvement()
    {
        var data = TrainingData.Clip(positives: 100);
        // A learning rate of ~0 freezes the weights, so the validation loss barely moves: only batch-norm statistics settle.
        var options = Binary with { LearningRate = 1e-12, Epochs = 20, EarlyStoppingPatience = 3, Monitor = "loss", MinDelta = 1e-3 };

        using var outcome = Run.Train(data.Request(options));

        Assert.True(outcome.StoppedEarly);
        Assert.True(outcome.History.Count < options.Epochs);
        Assert.Equal(outcome.History.Count - options.EarlyStoppingPatience, outcome.History.Last(h => h.Improved).Epoch);
    }

    [Fact]
    public void The_same_seed_gives_the_same_weights_bit_for_bit()
    {
        var data = TrainingData.Clip(positives: 80);
        var options = Binary with { Epochs = 2 };

        using var first = Run.Train(data.Request(options));
        using var second = Run.Train(data.Request(options));
        using var third = Run.Train(data.Request(options with { Seed = 4 }));

        Assert.True(StateEquals(first.Network.Module, second.Network.Module));
        Assert.False(StateEquals(first.Network.Module, third.Network.Module));
    }

    [Fact]
    public void Weighted_bce_uses_the_training_class_balance()
    {
        var data = TrainingData.Clip(positives: 80);

        using var outcome = Run.Train(data.Request(Binary with { Loss = LossKind.WeightedBce, Epochs = 1 }));

        var (positives, negatives) = data.Train.ClassCounts()[0];
        Assert.Equal((float)((double)negatives / positives), Assert.Single(outcome.PositiveWeights!));
        Assert.InRange(outcome.PositiveWeights![0], 3.9f, 4.1f); // the 1:4 CLIP ratio
    }

    internal static bool StateEquals(nn.Module a, nn.Module b)
    {
        using var scope = NewDisposeScope();
        var sa = a.state_dict();
        var sb = b.state_dict();
        return sa.Count == sb.Count && sa.All(p => sb.TryGetValue(p.Key, out var other) && p.Value.shape.SequenceEqual(other.shape) && p.Value.allclose(other, 0, 0));
    }
}
