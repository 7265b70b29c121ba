using static RbpPipeline.Torch.torch;

namespace RbpPipeline.Torch.Tests;

public sealed class RuntimeTests
{
    [Fact]
    public void ThreadCountDefaultsToCoresAndIsConfigurable()
    {
        var expected = int.TryParse(Environment.GetEnvironmentVariable("RBP_TORCH_THREADS"), out var n) ? n : Environment.ProcessorCount;
        Assert.Equal(expected, get_num_threads());
        var seen = TestHelpers.WithThreads(1, get_num_threads);
        Assert.Equal(1, seen);
        Assert.Equal(expected, get_num_threads());
        Assert.Throws<ArgumentOutOfRangeException>(() => set_num_threads(0));
    }

    [Fact]
    public void ManualSeedReproducesDraws()
    {
        using var scope = NewDisposeScope();
        manual_seed(123);
        var a = randn([5]).data<float>().ToArray();
        var ai = randint(0, 10, [5]).data<long>().ToArray();
        manual_seed(123);
        Assert.Equal(a, randn([5]).data<float>().ToArray());
        Assert.Equal(ai, randint(0, 10, [5]).data<long>().ToArray());
        Assert.NotEqual(a, randn([5]).data<float>().ToArray());
    }

    [Fact]
    public void RngStateRoundTrips()
    {
        using var scope = NewDisposeScope();
        manual_seed(5);
        var state = get_rng_state();
        var first = rand([4]).data<float>().ToArray();
        set_rng_state(state);
        Assert.Equal(first, rand([4]).data<float>().ToArray());
    }

    [Fact]
    public void DeterministicModeCanBeToggled()
    {
        use_deterministic_algorithms(true);
        try
        {
            using var scope = NewDisposeScope();
            manual_seed(1);
            using var conv = nn.Conv1d(4, 8, 5);
            var x = randn([2, 4, 20]);
            Assert.True(conv.call(x).equal(conv.call(x)));
        }
        finally { use_deterministic_algorithms(false); }
    }

    [Fact]
    public void NoGradStopsRecordingAndRestores()
    {
        using var scope = NewDisposeScope();
        var x = ones([2], requires_grad: true);
        Assert.True(is_grad_enabled());
        using (no_grad())
        {
            Assert.False(is_grad_enabled());
            Assert.False((x * 2).requires_grad);
            using (enable_grad()) Assert.True((x * 2).requires_grad);
        }
        Assert.True((x * 2).requires_grad);
        var y = (x * 3).sum();
        y.backward();
        Assert.Equal(new float[] { 3, 3 }, x.grad!.data<float>().ToArray());
        Assert.False(x.detach().requires_grad);
        Assert.True(x.is_leaf);
        Assert.False((x * 2).is_leaf);
    }

    [Fact]
    public void DisposeScopeFreesEverythingButWhatMovesOut()
    {
        Tensor kept, dropped, detached;
        using (var outer = NewDisposeScope())
        {
            using (var inner = NewDisposeScope())
            {
                dropped = ones([2]);
                kept = (dropped * 2).MoveToOuterDisposeScope();
                detached = ones([3]).DetachFromDisposeScope();
                Assert.Equal(1, inner.DisposablesCount); // moved and detached tensors no longer count
            }
            Assert.True(dropped.IsInvalid);
            Assert.False(kept.IsInvalid);
            Assert.Equal(1, outer.DisposablesCount);
        }
        Assert.True(kept.IsInvalid);
        Assert.False(detached.IsInvalid);
        detached.Dispose();
    }

    [Fact]
    public void DeviceParsing()
    {
        Assert.Equal(DeviceType.CPU, device("cpu").type);
        Assert.Equal(new Device("cuda:0"), CUDA);
        Assert.Equal("cuda:1", device("cuda:1").ToString());
        Assert.Throws<ArgumentException>(() => device("tpu"));
        using var t = zeros([1]);
        Assert.Equal(CPU, t.device);
        Assert.StartsWith("1.13", __version__);
    }

    [Fact]
    public void CudaTrainingStepMatchesCpu()
    {
        if (!cuda.is_available())
            Assert.Skip(cuda.is_built()
                ? "CUDA libtorch but no GPU visible: cuda.is_available() is false"
                : "the shim runs on a CPU-only libtorch (Debian libtorch-dev); build it with -DLIBTORCH=<CUDA libtorch> on a GPU machine to run CUDA tests");
        using var scope = NewDisposeScope();
        manual_seed(3);
        using var cpuModel = new Samples.ResidualBind();
        using var gpuModel = new Samples.ResidualBind();
        gpuModel.load_state_dict(cpuModel.state_dict());
        gpuModel.to(CUDA);
        Assert.True(gpuModel.parameters().All(p => p.is_cuda));
        cpuModel.eval();
        gpuModel.eval();
        var x = randn([8, 4, 41]);
        var y = randn([8, 1]);
        var cpuLoss = nn.functional.mse_loss(cpuModel.call(x), y);
        var gpuLoss = nn.functional.mse_loss(gpuModel.call(x.cuda()), y.cuda());
        Assert.Equal(cpuLoss.item<float>(), gpuLoss.item<float>(), 4);
        gpuLoss.backward();
        cpuLoss.backward();
        foreach (var ((name, pc), (_, pg)) in cpuModel.named_parameters().Zip(gpuModel.named_parameters()))
            TestHelpers.AssertClose(pc.grad!, pg.grad!.cpu(), 1e-4, $"gradient of {name} on CUDA");
        using var opt = optim.Adam(gpuModel.parameters());
        opt.step();
        Assert.True(gpuModel.parameters().All(p => p.is_cuda));
    }
}
