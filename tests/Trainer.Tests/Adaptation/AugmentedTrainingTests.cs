using RbpPipeline.Trainer.Augmentation;
using RbpPipeline.Trainer.Data;
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
        var plain = data.Train.InputBatch(indices)[0].data<float>().ToArray();
        var augmented = augmenter.InputBatch(data.Train, indices, epoch: 1, batch: 0)[0].data<float>().ToArray();
        var again = augmenter.InputBatch(data.Train, indices, epoch: 1, batch: 0)[0].data<float>().ToArray();
        var other = augmenter.InputBatch(data.Train, indices, epoch: 2, batch: 0)[0].data<float>().ToArray();
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
        var architecture = Architectures.Get(ArchitectureKey.RbpAdda);
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

    [Fact]
    public void Model_trainer_feeds_exactly_the_augmenters_training_batches_and_plain_validation_data()
    {
        var data = TrainingData.Rnacompete(count: 300);
        var options = new TrainingOptions { Epochs = 2, BatchSize = 64, Seed = 3, Monitor = "pearson" };
        var augmentation = new AugmentationOptions { Kind = AugmentationKind.Swap, PositionsPerSequence = 2, Fraction = 0.5, Seed = 8 };
        var recorder = new RecordingArchitecture(new TinyCnnArchitecture());

        using var outcome = Run.Train(data.Request(options, architecture: recorder) with { Augmentation = new SequenceAugmenter(augmentation) });

        // What SequenceAugmenter says each batch is: the epoch's shuffle, then the (epoch, batch) stream.
        var augmenter = new SequenceAugmenter(augmentation);
        var n = data.Train.Count;
        var batches = (n + options.BatchSize - 1) / options.BatchSize;
        var training = recorder.Calls.Where(c => c.Training).ToList();
        Assert.Equal(2 * batches, training.Count);
        var k = 0;
        for (var epoch = 1; epoch <= 2; epoch++)
        {
            var order = Enumerable.Range(0, n).ToArray();
            DeterministicRandom.For(options.Seed, $"shuffle/{epoch}").Shuffle(order);
            for (var b = 0; b < batches; b++)
            {
                var start = b * options.BatchSize;
                var indices = order.AsSpan(start, Math.Min(options.BatchSize, n - start));
                var expected = augmenter.InputBatch(data.Train, indices, epoch, b)[0].data<float>().ToArray();
                var plain = data.Train.InputBatch(indices)[0].data<float>().ToArray();
                Assert.Equal(expected, training[k++].Sequence);
                Assert.NotEqual(plain, expected); // half of 48–64 sequences augmented: never a plain batch
            }
        }

        // Validation, once per epoch in evaluation mode, is the plain encoded data.
        var evaluation = recorder.Calls.Where(c => !c.Training).ToList();
        Assert.Equal(2, evaluation.Count);
        Assert.All(evaluation, c => Assert.Equal(data.Validation.Inputs[0].Data, c.Sequence));
    }
}
