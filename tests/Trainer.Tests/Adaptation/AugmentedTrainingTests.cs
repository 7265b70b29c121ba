using RbpPipeline.Trainer.Augmentation;
using RbpPipeline.Trainer.Networks;
using RbpPipeline.Trainer.Tests.Training;
using RbpPipeline.Trainer.Training;

namespace RbpPipeline.Trainer.Tests.Adaptation;

/// <summary>The optional augmentation hook of <see cref="ModelTrainer"/> (any architecture).</summary>
[Collection(TorchCollection.Name)]
public sealed class AugmentedTrainingTests
{
    [Fact]
    public void The_augmenter_changes_training_batches_only_and_reproducibly()
    {
        var data = TrainingData.Rnacompete(count: 400);
        var augmenter = new SequenceAugmenter(new AugmentationOptions { Kind = AugmentationKind.Gap, Seed = 4 });
        int[] indices = [0, 1, 2, 3];
        var plain = data.Train.InputBatch(indices)[0].ToArray<float>();
        var augmented = augmenter.InputBatch(data.Train, indices, epoch: 1, batch: 0)[0].ToArray<float>();
        var again = augmenter.InputBatch(data.Train, indices, epoch: 1, batch: 0)[0].ToArray<float>();
        var other = augmenter.InputBatch(data.Train, indices, epoch: 2, batch: 0)[0].ToArray<float>();
        Assert.Equal(augmented, again);
        Assert.NotEqual(plain, augmented);
        Assert.NotEqual(augmented, other);
        // Exactly one column per sequence (4 values) differs: the gap column.
        Assert.Equal(4 * 4, plain.Zip(augmented).Count(p => p.First != p.Second));
        Assert.Equal(4 * 41 * 4, plain.Length);
    }

    [Fact]
    public void Model_trainer_trains_with_augmentation_reproducibly()
    {
        var data = TrainingData.Rnacompete(count: 400);
        var options = new TrainingOptions { Epochs = 1, BatchSize = 64, Seed = 3, Monitor = "pearson" };
        var architecture = Architectures.Get("rbpadda");
        TrainingOutcome Train(AugmentationOptions? augmentation) => Run.Train(data.Request(options, architecture: architecture) with
        {
            Augmentation = augmentation is null ? null : new SequenceAugmenter(augmentation),
        });
        using var a = Train(new AugmentationOptions { Kind = AugmentationKind.Swap, Seed = 5 });
        using var b = Train(new AugmentationOptions { Kind = AugmentationKind.Swap, Seed = 5 });
        using var none = Train(null);
        Assert.Equal(a.History[0].TrainLoss, b.History[0].TrainLoss);
        Assert.NotEqual(a.History[0].TrainLoss, none.History[0].TrainLoss);
    }
}
