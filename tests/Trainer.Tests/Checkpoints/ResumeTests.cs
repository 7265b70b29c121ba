using TorchSharp;
using RbpPipeline.Trainer.Checkpoints;
using RbpPipeline.Trainer.Tests.Training;
using RbpPipeline.Trainer.Training;

namespace RbpPipeline.Trainer.Tests.Checkpoints;

[Collection(TorchCollection.Name)]
public sealed class ResumeTests
{
    private static readonly TrainingOptions Options = new()
    {
        LearningRate = 0.01, BatchSize = 32, Epochs = 5, Loss = LossKind.Bce, Monitor = "auroc", Seed = 11, Threads = 1,
        LrDecayFactor = 0.5, LrDecayPatience = 1, EarlyStoppingPatience = 10,
    };

    /// <summary>Cancels the run in the middle of an epoch, as a kill would: that epoch's work is lost, the state is the previous epoch's.</summary>
    private sealed class KillDuring(int epoch, int batch, CancellationTokenSource cts) : ITrainingProgress
    {
        public void Message(string text) { }
        public void EpochStarted(int e, int epochs, int batches) { }
        public void BatchCompleted(int e, int b, int batches, double meanLoss)
        {
            if (e == epoch && b == batch) cts.Cancel();
        }
        public void EpochCompleted(EpochRecord record, int epochs, string monitor) { }
    }

    [Fact]
    public void An_interrupted_run_resumed_from_its_state_ends_with_bit_identical_weights()
    {
        var data = TrainingData.Clip(positives: 120);
        using var folder = new TempFolder();

        using var uninterrupted = Run.Train(data.Request(Options, folder.File("a.safetensors")));

        var statePath = folder.File("b.safetensors");
        using (var cts = new CancellationTokenSource())
        {
            var request = data.Request(Options, statePath) with { Progress = new KillDuring(3, 4, cts) };
            Assert.Throws<OperationCanceledException>(() => ModelTrainer.Train(request, cts.Token));
        }
        using (var saved = TrainingStateFile.Load(statePath))
            Assert.Equal(2, saved.Info.EpochsDone);

        using var resumed = Run.Train(data.Request(Options, statePath));

        Assert.Equal(2, resumed.ResumedAfterEpoch);
        Assert.True(TrainerTests.StateEquals(uninterrupted.Network.Module, resumed.Network.Module), "final weights differ");
        Assert.Equal(uninterrupted.BestEpoch, resumed.BestEpoch);
        Assert.Equal(uninterrupted.History.Select(h => (h.Epoch, h.TrainLoss, h.Monitor, h.LearningRate)),
            resumed.History.Select(h => (h.Epoch, h.TrainLoss, h.Monitor, h.LearningRate)));
        // The final states hold the same tensors too: model, best weights, optimiser moments and steps, generator.
        var a = TorchSharp.PyBridge.Safetensors.LoadStateDict(folder.File("a.safetensors"));
        var b = TorchSharp.PyBridge.Safetensors.LoadStateDict(statePath);
        // The JSON part (epoch history with wall-clock seconds) is stored as the "rbp.…" byte tensor: not compared.
        foreach (var key in a.Keys.Where(k => k.StartsWith("rbp.", StringComparison.Ordinal)).ToList()) { a.Remove(key, out var m); m!.Dispose(); b.Remove(key, out var n); n!.Dispose(); }
        Assert.Equal(a.Keys.Order(), b.Keys.Order());
        Assert.All(a, p => Assert.True(p.Value.shape.SequenceEqual(b[p.Key].shape) && p.Value.allclose(b[p.Key], 0, 0), p.Key));
        foreach (var t in a.Values.Concat(b.Values)) t.Dispose();
    }

    [Fact]
    public void A_finished_run_restores_its_result_without_training_again()
    {
        var data = TrainingData.Clip(positives: 60);
        using var folder = new TempFolder();
        var options = Options with { Epochs = 2 };
        using var first = Run.Train(data.Request(options, folder.File("s.safetensors")));
        var stamp = File.GetLastWriteTimeUtc(folder.File("s.safetensors"));

        using var again = Run.Train(data.Request(options, folder.File("s.safetensors")));

        Assert.Equal(2, again.ResumedAfterEpoch);
        Assert.True(TrainerTests.StateEquals(first.Network.Module, again.Network.Module));
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(folder.File("s.safetensors")));
    }

    [Fact]
    public void A_state_from_another_configuration_is_not_resumed()
    {
        var data = TrainingData.Clip(positives: 60);
        using var folder = new TempFolder();
        var path = folder.File("s.safetensors");
        using (Run.Train(data.Request(Options with { Epochs = 1 }, path))) { }
        var messages = new List<string>();

        using var fresh = Run.Train(data.Request(Options with { Epochs = 1 }, path) with
        {
            ConfigHash = "other", Progress = new Recorder(messages),
        });

        Assert.Equal(0, fresh.ResumedAfterEpoch);
        Assert.Contains(messages, m => m.Contains("another configuration"));
    }

    [Fact]
    public void A_truncated_state_file_is_rejected_with_a_clear_error()
    {
        var data = TrainingData.Clip(positives: 60);
        using var folder = new TempFolder();
        var path = folder.File("s.safetensors");
        using (Run.Train(data.Request(Options with { Epochs = 1 }, path))) { }
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);

        var e = Assert.Throws<CheckpointException>(() => Run.Train(data.Request(Options, path)));
        Assert.Contains(path, e.Message);
        Assert.Contains("corrupt or incomplete", e.Message);
    }

    [Fact]
    public void Saving_the_state_leaves_no_temporary_files_and_a_failed_save_keeps_the_previous_state()
    {
        var data = TrainingData.Clip(positives: 60);
        using var folder = new TempFolder();
        var path = folder.File("s.safetensors");
        using var outcome = Run.Train(data.Request(Options with { Epochs = 1 }, path));
        var before = File.ReadAllBytes(path);
        Assert.Equal([path], Directory.GetFiles(folder.Path));

        using var optimizer = ModelTrainer.CreateOptimizer(Options, outcome.Network.Module);
        using var disposed = torch.zeros([1]);
        disposed.Dispose();
        var info = new TrainingStateInfo { ConfigHash = "x", Architecture = "tiny-cnn", EpochsDone = 9, Monitor = new MonitorState(), History = [] };
        Assert.ThrowsAny<Exception>(() => TrainingStateFile.Save(path, info, outcome.Network.Module, optimizer,
            new Dictionary<string, torch.Tensor> { ["w"] = disposed }));

        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal([path], Directory.GetFiles(folder.Path));
    }

    private sealed class Recorder(List<string> messages) : ITrainingProgress
    {
        public void Message(string text) => messages.Add(text);
        public void EpochStarted(int epoch, int epochs, int batches) { }
        public void BatchCompleted(int epoch, int batch, int batches, double meanLoss) { }
        public void EpochCompleted(EpochRecord record, int epochs, string monitor) { }
    }
}
