using RbpPipeline.Trainer.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace RbpPipeline.Trainer.Tests.Training;

/// <summary>training.device: auto follows TorchSharp's CUDA report, bad names and absent GPUs are refused clearly, and
/// (on a machine with a GPU and the CUDA backend) a model trained on CUDA predicts like the same model on the CPU.</summary>
[Collection(TorchCollection.Name)]
public sealed class DeviceTests
{
    [Fact]
    public void Auto_takes_cuda_exactly_when_torchsharp_reports_it()
    {
        Assert.Equal(cuda.is_available() ? DeviceType.CUDA : DeviceType.CPU, TrainingDevice.Resolve("auto").type);
        Assert.Equal(DeviceType.CPU, TrainingDevice.Resolve("cpu").type);
    }

    [Fact]
    public void A_bad_device_or_a_missing_gpu_is_refused_naming_it()
    {
        Assert.Contains("'gpu' is not one of auto, cpu, cuda, cuda:N", Assert.Throws<ArgumentException>(() => TrainingDevice.Resolve("gpu")).Message);
        Assert.Contains("'cpu ' is not", Assert.Throws<ArgumentException>(() => TrainingDevice.Resolve("cpu ")).Message);
        var e = Assert.Throws<ArgumentException>(() => TrainingDevice.Resolve("cuda:42"));
        Assert.Contains("training device 'cuda:42'", e.Message);
        Assert.Throws<ArgumentException>(() => new TrainingOptions { Device = "tpu" }.Validate());
    }

    [Fact]
    public void Training_on_cuda_predicts_like_the_cpu()
    {
        if (!cuda.is_available()) Assert.Skip("no CUDA device (TorchSharp-cpu build or no GPU): build with -p:TorchBackend=cuda on a GPU host");
        var data = TrainingData.Clip(positives: 60);
        var options = new TrainingOptions { Epochs = 1, BatchSize = 32, Loss = LossKind.Bce, Monitor = "auroc", Seed = 5, Threads = 1 };
        using var onCpu = Run.Train(data.Request(options with { Device = "cpu" }));
        using var onCuda = Run.Train(data.Request(options with { Device = "cuda" }));
        Assert.Equal(DeviceType.CUDA, TrainingDevice.Of(onCuda.Network.Module).type);
        var a = Evaluation.Predict(onCpu.Network, data.Test);
        var b = Evaluation.Predict(onCuda.Network, data.Test);
        Assert.All(a.Zip(b), p => Assert.Equal(p.First, p.Second, 1e-3));
    }
}
