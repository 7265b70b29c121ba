using static RbpPipeline.Torch.torch;

namespace RbpPipeline.Torch.Tests;

public sealed class MemoryTests
{
    [Fact]
    public void ThousandsOfTrainingStepsKeepResidentMemoryBounded()
    {
        manual_seed(0);
        using var model = nn.Sequential(nn.Conv1d(4, 16, 7, Padding.Same), nn.BatchNorm1d(16), nn.ReLU(), nn.Dropout(0.1),
            nn.AvgPool1d(4), nn.Flatten(), nn.Linear(16 * 10, 8), nn.ReLU(), nn.Linear(8, 1));
        using var opt = optim.Adam(model.parameters(), 1e-3);
        using var data = randn([64, 4, 41]);
        using var target = randn([64, 1]);

        void Steps(int n)
        {
            for (var i = 0; i < n; i++)
            {
                using var scope = NewDisposeScope();
                opt.zero_grad();
                var loss = nn.functional.mse_loss(model.call(data.narrow(0, i % 2 * 32, 32)), target.narrow(0, i % 2 * 32, 32));
                loss.backward();
                nn.utils.clip_grad_norm_(model.parameters(), 1.0);
                opt.step();
                _ = model.parameters().First().grad!.sum().item<float>(); // a grad alias per step, freed by the scope
            }
        }

        Steps(300); // allocator and JIT warm-up
        GC.Collect();
        var before = TestHelpers.VmRssKilobytes();
        Steps(3000);
        GC.Collect();
        var growthMb = (TestHelpers.VmRssKilobytes() - before) / 1024.0;
        // Each step allocates a few MB of activations and gradients; a leak of even one small tensor per step
        // (≈ 32×16×41 floats = 84 kB) would add ~250 MB over 3000 steps.
        Assert.True(growthMb < 20, $"resident memory grew by {growthMb:F1} MB over 3000 steps");
    }
}
