using RbpPipeline.Trainer.Augmentation;
using RbpPipeline.Trainer.Data;
using RbpPipeline.Trainer.Networks;
using RbpPipeline.Trainer.Pipeline;
using RbpPipeline.Trainer.Synthetic;
using RbpPipeline.Trainer.Tests.Adaptation;
using RbpPipeline.Trainer.Tests.Training;

namespace RbpPipeline.Trainer.Tests.Pipeline;

/// <summary>training.augmentation reaches the train stage of an ordinary model: augmented training batches, plain evaluation data.</summary>
[Collection(TorchCollection.Name)]
public sealed class AugmentationPipelineTests
{
    private const string Yaml = """
        version: 1
        seed: 2
        stages: [prepare, train]
        datasets:
          scores:
            format: rnacompete
            train: rnc/train.txt.gz
            test: rnc/test.txt.gz
        models:
          tiny:
            architecture: recording-cnn
            dataset: scores
            encoding: { length: 41 }
            training:
              epochs: 2
              batch_size: 50
              loss: mse
              monitor: pearson
              augmentation: { operator: gap, positions_per_sequence: 3, fraction: 0.75, seed: 5 }
        """;

    [Fact]
    public async Task The_train_stage_augments_exactly_the_training_batches_and_never_validation_or_test_data()
    {
        using var folder = new TempFolder();
        var options = new RnacompeteLikeOptions { Count = 260 };
        DataWriters.WriteScoreSequence(folder.File("rnc/train.txt.gz"), RnacompeteLikeGenerator.Generate(options, DeterministicRandom.For(1, "train")).Records);
        DataWriters.WriteScoreSequence(folder.File("rnc/test.txt.gz"), RnacompeteLikeGenerator.Generate(options with { Count = 70 }, DeterministicRandom.For(1, "test")).Records);
        File.WriteAllText(folder.File("pipeline.yaml"), Yaml);
        var recorder = new RecordingArchitecture(new TinyCnnArchitecture());
        var catalog = new ArchitectureCatalog([recorder, .. Architectures.All]);
        var config = PipelineLoader.Load(folder.File("pipeline.yaml"), catalog);

        await new PipelineRunner(catalog, TrainerStages.All, new StringWriter())
            .RunAsync(config, new PipelineRunOptions { OutputRoot = folder.File("runs"), Threads = 1 }, TestContext.Current.CancellationToken);

        // The same splits as the stage saw, and the augmenter the file describes.
        var plan = PipelinePlanner.Plan(config).Single();
        var data = ModelData.Prepare(plan, recorder, new FileHashes());
        var augmenter = new SequenceAugmenter(new AugmentationOptions { Kind = AugmentationKind.Gap, PositionsPerSequence = 3, Fraction = 0.75, Seed = 5 });
        var training = recorder.Calls.Where(c => c.Training).ToList();
        var n = data.Train.Count;
        var batches = (n + 49) / 50;
        Assert.NotEqual(1, n % 50); // no folded last batch, so the batches below are the trainer's
        Assert.Equal(2 * batches, training.Count);
        var k = 0;
        for (var epoch = 1; epoch <= 2; epoch++)
        {
            var order = Enumerable.Range(0, n).ToArray();
            DeterministicRandom.For(plan.Seed, $"shuffle/{epoch}").Shuffle(order);
            for (var b = 0; b < batches; b++)
            {
                var indices = order.AsSpan(b * 50, Math.Min(50, n - b * 50));
                var expected = augmenter.InputBatch(data.Train, indices, epoch, b)[0].data<float>().ToArray();
                Assert.Equal(expected, training[k++].Sequence);
                Assert.NotEqual(data.Train.InputBatch(indices)[0].data<float>().ToArray(), expected);
            }
        }

        // Evaluation mode: validation after each epoch, then the checkpoint's train, validation and test figures —
        // all of it the plain encoded data.
        var evaluated = recorder.Calls.Where(c => !c.Training).SelectMany(c => c.Sequence).ToArray();
        float[][] plain = [data.Validation.Inputs[0].Data, data.Validation.Inputs[0].Data, data.Train.Inputs[0].Data, data.Validation.Inputs[0].Data, data.Test.Inputs[0].Data];
        Assert.Equal(plain.SelectMany(p => p).ToArray(), evaluated);
    }
}
