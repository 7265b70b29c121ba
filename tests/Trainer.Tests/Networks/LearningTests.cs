using RbpPipeline.Contracts.Labels;
using RbpPipeline.Contracts.SequenceEncoding;
using RbpPipeline.Trainer.Data;
using RbpPipeline.Trainer.Metrics;
using RbpPipeline.Trainer.Networks;
using RbpPipeline.Trainer.Synthetic;
using static RbpPipeline.Trainer.Tests.Networks.NetworkTestSupport;

namespace RbpPipeline.Trainer.Tests.Networks;

/// <summary>
/// Each architecture learns planted motifs from small synthetic sets within a few epochs (a minimal Adam loop,
/// <see cref="NetworkTestSupport.Train"/>, so that these tests depend on nothing but the networks).
/// </summary>
[Collection(NetworkCollection.Name)]
public sealed class LearningTests(ITestOutputHelper output)
{
    private static (List<SequenceRecord> Train, List<SequenceRecord> Test) Split(SyntheticDataset set, int test)
    {
        var records = set.Records.ToList();
        return (records[..^test], records[^test..]);
    }

    private static double Pearson(double[][] predicted, double[][] labels) =>
        RegressionMetrics.Pearson([.. predicted.Select(p => p[0])], [.. labels.Select(l => l[0])]);

    private static double MacroAuroc(double[][] predicted, double[][] labels) =>
        Enumerable.Range(0, labels[0].Length).Average(t =>
            ClassificationMetrics.AreaUnderRoc([.. labels.Select(l => l[t])], [.. predicted.Select(p => p[t])]));

    private static (List<SequenceRecord>, List<SequenceRecord>) Rnacompete(int seed) =>
        Split(RnacompeteLikeGenerator.Generate(new RnacompeteLikeOptions { Count = 2_500 }, new DeterministicRandom((ulong)seed)), 500);

    private static (List<SequenceRecord>, List<SequenceRecord>) MultiTask(int seed) =>
        Split(MultiTaskGenerator.Generate(new MultiTaskOptions { Count = 2_600 }, new DeterministicRandom((ulong)seed)), 600);

    private double Regression(string architecture, Func<double, double>? transform, int epochs, int seed)
    {
        UseOneThread();
        var (train, test) = Rnacompete(seed);
        var spec = new EncodingSpec { Length = 41 };
        using var trainData = Encode(train, spec, transform);
        using var testData = Encode(test, spec, transform);
        using var network = Architectures.Get(architecture).Create(Shape(1, ("sequence", 4, 41)), Hp());
        Train(network, trainData, binary: false, epochs, batchSize: 100, lr: 1e-3, seed);
        var pearson = Pearson(Predict(network, testData), testData.LabelRows);
        output.WriteLine($"{architecture}: test Pearson {pearson:F3}");
        return pearson;
    }

    private double MultiLabel(string architecture, bool region, int epochs, double lr, int seed, int batchSize = 64)
    {
        UseOneThread();
        var (train, test) = MultiTask(seed);
        var spec = region ? RegionEncoding(101) : new EncodingSpec { Length = 101 };
        using var trainData = Encode(train, spec);
        using var testData = Encode(test, spec);
        var shape = region ? Shape(3, ("sequence", 4, 101), ("region", 5, 101)) : Shape(3, ("sequence", 4, 101));
        using var network = Architectures.Get(architecture).Create(shape, Hp());
        Train(network, trainData, binary: true, epochs, batchSize, lr, seed);
        var auroc = MacroAuroc(Predict(network, testData), testData.LabelRows);
        output.WriteLine($"{architecture}{(region ? " + region" : "")}: test macro AUROC {auroc:F3}");
        return auroc;
    }

    [Fact]
    public void Residualbind_learns_rnacompete_like_scores() =>
        Assert.True(Regression("residualbind", null, epochs: 2, seed: 21) >= 0.6);

    [Fact]
    public void Rbpadda_learns_scores_scaled_to_minus_one_one()
    {
        var (train, _) = Rnacompete(22);
        var chain = LabelTransformChain.Fit(Architectures.Get(ArchitectureKey.RbpAdda).Training.LabelTransforms!, train.Select(r => r.Labels[0]));
        Assert.Equal(-1, train.Min(r => chain.Apply(r.Labels[0])), 6);
        Assert.Equal(1, train.Max(r => chain.Apply(r.Labels[0])), 6);

        Assert.True(Regression("rbpadda", chain.Apply, epochs: 4, seed: 22) >= 0.5);
    }

    [Fact]
    public void Ideeps_learns_clip_like_binding()
    {
        UseOneThread();
        // 41 nt: the LSTM's final states must carry the site's signal to both ends, which takes many more epochs on 101 nt.
        var set = ClipLikeGenerator.Generate(new ClipLikeOptions { Positives = 500, Length = 41, CentreWindow = 8 }, new DeterministicRandom(23));
        var (train, test) = Split(set, 500);
        var spec = new EncodingSpec { Length = 41 };
        using var trainData = Encode(train, spec);
        using var testData = Encode(test, spec);
        using var network = Architectures.Get(ArchitectureKey.IDeepS).Create(Shape(1, ("sequence", 4, 41)), Hp());
        Train(network, trainData, binary: true, epochs: 6, batchSize: 50, lr: 3e-3, seed: 23);
        var auroc = MacroAuroc(Predict(network, testData), testData.LabelRows);
        output.WriteLine($"ideeps: test AUROC {auroc:F3}");
        Assert.True(auroc >= 0.8);
    }

    [Fact]
    public void Deepripe_learns_region_dependent_multitask_labels() =>
        Assert.True(MultiLabel("deepripe", region: true, epochs: 2, lr: 2e-3, seed: 24) >= 0.75);

    [Fact]
    public void Multiresbind_learns_region_dependent_multitask_labels() =>
        Assert.True(MultiLabel("multiresbind", region: true, epochs: 2, lr: 1e-3, seed: 25) >= 0.75);
}
