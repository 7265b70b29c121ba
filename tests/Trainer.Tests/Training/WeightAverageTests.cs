using RbpPipeline.Trainer.Checkpoints;
using RbpPipeline.Trainer.Metrics;
using RbpPipeline.Trainer.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace RbpPipeline.Trainer.Tests.Training;

[Collection(TorchCollection.Name)]
public sealed class WeightAverageTests
{
    private static void Fill(nn.Module module, float value)
    {
        using (no_grad())
            foreach (var p in module.parameters()) p.fill_(value);
    }

    private static float[] Weights(nn.Module module) =>
        [.. module.parameters().SelectMany(p => p.detach().cpu().data<float>().ToArray())];

    [Fact]
    public void The_average_follows_the_closed_form_with_its_warm_up()
    {
        using var module = nn.Linear(3, 2);
        Fill(module, 1f);
        using var average = new WeightAverage(0.9, module);
        Fill(module, 3f);
        average.Update(module, step: 0);  // decay min(0.9, 1/10) = 0.1: 0.1·1 + 0.9·3 = 2.8
        Fill(module, 5f);
        average.Update(module, step: 100); // decay min(0.9, 101/110) = 0.9: 0.9·2.8 + 0.1·5 = 3.02

        Assert.Equal(0.1, average.DecayAt(0), 12);
        Assert.Equal(0.9, average.DecayAt(100), 12);
        Assert.All(average.State.Values.SelectMany(t => t.data<float>().ToArray()), v => Assert.Equal(3.02f, v, 5));
        // The module keeps its own weights.
        Assert.All(Weights(module), v => Assert.Equal(5f, v));
    }

    [Fact]
    public void Batch_norm_statistics_are_averaged_and_its_counter_copied()
    {
        using var module = nn.BatchNorm1d(2);
        using var average = new WeightAverage(0.5, module);
        module.train();
        using (var x = tensor(new float[] { 0, 10, 2, 30 }, [2, 2])) using (module.forward(x)) { }
        for (var step = 0; step < 20; step++) average.Update(module, step);

        var own = module.state_dict();
        // After enough steps at decay 0.5 the average of a constant equals it.
        Assert.True(own["running_mean"].allclose(average.State["running_mean"], 1e-5, 1e-5));
        Assert.Equal(own["num_batches_tracked"].item<long>(), average.State["num_batches_tracked"].item<long>());
    }

    [Fact]
    public void WithAverage_runs_on_the_average_and_restores_the_own_weights()
    {
        using var module = nn.Linear(2, 1);
        Fill(module, 1f);
        using var average = new WeightAverage(0.5, module);
        Fill(module, 7f);

        var seen = average.WithAverage(module, () => Weights(module));

        Assert.All(seen, v => Assert.Equal(1f, v));
        Assert.All(Weights(module), v => Assert.Equal(7f, v));
    }

    private static readonly TrainingOptions Options = new()
    {
        LearningRate = 0.01, BatchSize = 32, Epochs = 4, Loss = LossKind.Bce, Monitor = "auroc", Seed = 5, Threads = 1,
        WeightAverageDecay = 0.95,
    };

    [Fact]
    public void Training_with_an_average_validates_and_returns_the_average_not_the_last_weights()
    {
        var data = TrainingData.Clip(positives: 120);
        using var folder = new TempFolder();
        var path = folder.File("s.safetensors");

        using var outcome = Run.Train(data.Request(Options, path));

        // The returned network scores the best epoch's validation figure (so it is the weights that were validated) …
        var labels = data.Validation.RawLabels.Select(v => (double)v).ToArray();
        var auroc = ClassificationMetrics.AreaUnderRoc(labels, [.. Evaluation.Predict(outcome.Network, data.Validation).Select(z => (double)z)]);
        Assert.Equal(outcome.BestValue, auroc, 6);
        // … and they are the saved average, not the optimiser's own last weights.
        using var state = TrainingStateFile.Load(path);
        var averaged = state.Section("average");
        var own = state.Section("model");
        Assert.NotEmpty(averaged);
        if (outcome.BestEpoch == outcome.History.Count)
            Assert.All(outcome.Network.Module.state_dict(), p => Assert.True(p.Value.allclose(averaged[p.Key], 0, 0), p.Key));
        Assert.Contains(outcome.Network.Module.state_dict(), p => p.Value.is_floating_point() && !p.Value.allclose(own[p.Key], 1e-6, 1e-6));
    }

    [Fact]
    public void An_interrupted_run_with_an_average_resumes_to_bit_identical_weights()
    {
        var data = TrainingData.Clip(positives: 120);
        using var folder = new TempFolder();
        using var uninterrupted = Run.Train(data.Request(Options, folder.File("a.safetensors")));

        var path = folder.File("b.safetensors");
        // A run that stopped after epoch 2 (its state carries the average), continued to epoch 4.
        using (Run.Train(data.Request(Options with { Epochs = 2 }, path))) { }
        using var resumed = Run.Train(data.Request(Options, path));

        Assert.Equal(2, resumed.ResumedAfterEpoch);
        Assert.True(TrainerTests.StateEquals(uninterrupted.Network.Module, resumed.Network.Module), "final weights differ");
        Assert.Equal(uninterrupted.History.Select(h => h.Monitor), resumed.History.Select(h => h.Monitor));
    }
}
