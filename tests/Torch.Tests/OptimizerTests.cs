using RbpPipeline.Torch.Modules;
using static RbpPipeline.Torch.torch;

namespace RbpPipeline.Torch.Tests;

public sealed class OptimizerTests
{
    public static TheoryData<string> OptimizerNames => new(Optimizers.Keys);

    private static readonly Dictionary<string, Func<IEnumerable<Parameter>, optim.Optimizer>> Optimizers = new()
    {
        ["adam"] = ps => optim.Adam(ps, 1e-2, weight_decay: 1e-3),
        ["adam_amsgrad"] = ps => optim.Adam(ps, 1e-2, amsgrad: true),
        ["rmsprop_centered_momentum"] = ps => optim.RMSProp(ps, 1e-3, momentum: 0.9, centered: true, weight_decay: 1e-4),
        ["sgd_nesterov"] = ps => optim.SGD(ps, 0.05, momentum: 0.9, nesterov: true),
        ["sgd_dampened"] = ps => optim.SGD(ps, 0.05, momentum: 0.5, dampening: 0.1, weight_decay: 1e-3),
    };

    /// <summary>Small model with every kind of state: conv, BN running statistics, dropout randomness.</summary>
    private static nn.Module<Tensor, Tensor> Model() => nn.Sequential(
        nn.Conv1d(4, 6, 5, Padding.Same), nn.BatchNorm1d(6), nn.ReLU(), nn.Dropout(0.2),
        nn.MaxPool1d(2), nn.Flatten(), nn.Linear(6 * 10, 1));

    private static void Train(nn.Module<Tensor, Tensor> model, optim.Optimizer opt, Tensor x, Tensor y, int from, int to)
    {
        for (var i = from; i < to; i++)
        {
            using var scope = NewDisposeScope();
            opt.zero_grad();
            var batch = x.narrow(0, i % 4 * 8, 8);
            var target = y.narrow(0, i % 4 * 8, 8);
            nn.functional.mse_loss(model.call(batch), target).backward();
            opt.step();
        }
    }

    [Theory]
    [MemberData(nameof(OptimizerNames))]
    public void ResumingFromSavedStateReproducesAnUninterruptedRunExactly(string name)
    {
        using var folder = new TempFolder("torch-resume");
        using var scope = NewDisposeScope();
        manual_seed(11);
        var x = randn([32, 4, 20]);
        var y = randn([32, 1]);
        using var initial = Model();
        var start = initial.state_dict();

        // Uninterrupted: 12 steps.
        using var a = Model();
        a.load_state_dict(start);
        using var optA = Optimizers[name](a.parameters());
        manual_seed(5);
        Train(a, optA, x, y, 0, 12);

        // Interrupted after 5: model, optimiser and generator state to safetensors, then a fresh process-like restart.
        using var b = Model();
        b.load_state_dict(start);
        using (var optB = Optimizers[name](b.parameters()))
        {
            manual_seed(5);
            Train(b, optB, x, y, 0, 5);
            b.save_safetensors(folder.File("model.safetensors"));
            var state = optB.state_dict();
            state["rng_state"] = get_rng_state();
            Safetensors.Save(folder.File("optimizer.safetensors"), state);
        }
        manual_seed(999); // disturb the generator: the saved state must restore it
        using var c = Model();
        c.load_safetensors(folder.File("model.safetensors"));
        using var optC = Optimizers[name](c.parameters());
        var (saved, _) = Safetensors.Load(folder.File("optimizer.safetensors"));
        optC.load_state_dict(saved);
        set_rng_state(saved["rng_state"]);
        Train(c, optC, x, y, 5, 12);

        foreach (var ((key, expected), (_, actual)) in a.state_dict().Zip(c.state_dict()))
            Assert.True(expected.equal(actual), $"{name}: {key} differs after resuming");
        Assert.False(start["0.weight"].equal(a.state_dict()["0.weight"])); // and training did change something
    }

    [Fact]
    public void StateDictCarriesStepsAndLearningRate()
    {
        using var scope = NewDisposeScope();
        using var linear = nn.Linear(3, 2);
        using var opt = optim.Adam(linear.parameters(), 0.01);
        linear.call(ones([1, 3])).sum().backward();
        opt.step();
        opt.step();
        opt.LearningRate = 0.005;
        var state = opt.state_dict();
        Assert.Equal(2L, state["state.0.step"].item<long>());
        Assert.Equal(ScalarType.Int64, state["state.1.step"].dtype);
        Assert.Equal(0.005, state["param_groups.0.lr"].item<double>());
        Assert.Equal(ScalarType.Float64, state["param_groups.0.lr"].dtype);
        Assert.Equal([2L, 3L], state["state.0.exp_avg"].shape);
        Assert.Contains("state.1.exp_avg_sq", state.Keys);

        using var other = nn.Linear(3, 2);
        using var opt2 = optim.Adam(other.parameters());
        opt2.load_state_dict(state);
        Assert.Equal(0.005, opt2.ParamGroups.Single().LearningRate);
        Assert.Throws<ArgumentException>(() => opt2.load_state_dict(new Dictionary<string, Tensor>()));
    }

    [Fact]
    public void LearningRateChangesTheStepSize()
    {
        using var scope = NewDisposeScope();
        using var linear = nn.Linear(1, 1, hasBias: false);
        using var opt = optim.SGD(linear.parameters(), 0.1);
        using (no_grad()) linear.weight.fill_(1);
        linear.call(ones([1, 1])).sum().backward(); // d/dw (w·1) = 1
        opt.step();
        Assert.Equal(0.9f, linear.weight.item<float>(), 6);
        opt.ParamGroups.First().LearningRate = 0.5;
        opt.step();
        Assert.Equal(0.4f, linear.weight.item<float>(), 6);
    }

    [Fact]
    public void ParametersWithoutGradientAreSkipped()
    {
        using var scope = NewDisposeScope();
        using var a = nn.Linear(2, 1);
        using var b = nn.Linear(2, 1);
        using var opt = optim.Adam(a.parameters().Concat(b.parameters()), 0.1);
        var before = b.weight.clone();
        a.call(ones([1, 2])).sum().backward();
        opt.step();
        Assert.True(b.weight.equal(before));
        Assert.Equal(0L, opt.state_dict()["state.2.step"].item<long>());
        Assert.Equal(1L, opt.state_dict()["state.0.step"].item<long>());
    }
}
