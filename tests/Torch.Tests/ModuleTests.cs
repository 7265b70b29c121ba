using RbpPipeline.Torch.Modules;
using RbpPipeline.Torch.Samples;
using static RbpPipeline.Torch.torch;

namespace RbpPipeline.Torch.Tests;

public sealed class ModuleTests
{
    [Fact]
    public void NamesFollowPyTorchsStateDictOrder()
    {
        using var model = new ResidualBind();
        var names = model.state_dict().Keys.ToList();
        Assert.Equal(["conv1.weight", "conv1.bias", "bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var",
            "bn1.num_batches_tracked", "res.conv1.weight"], names.Take(8));
        Assert.Contains("res.bn3.running_var", names);
        Assert.Equal("output.bias", names[^1]);
        Assert.DoesNotContain(model.named_parameters(), p => p.name.Contains("running"));
        Assert.Equal(3 * 3, model.named_buffers().Count(b => b.name.StartsWith("res.", StringComparison.Ordinal)));
        Assert.Equal(["conv1", "bn1", "drop1", "res", "drop2", "pool", "dense", "bn_dense", "drop3", "output"],
            model.named_children().Select(c => c.name));
    }

    [Fact]
    public void SequentialNamesChildrenByIndex()
    {
        using var seq = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1));
        Assert.Equal(["0.weight", "0.bias", "2.weight", "2.bias"], seq.named_parameters().Select(p => p.name));
        using var named = nn.Sequential(("fc", nn.Linear(2, 2)), ("act", nn.Tanh()));
        Assert.Equal(["fc.weight", "fc.bias"], named.state_dict().Keys);
        using var scope = NewDisposeScope();
        Assert.Equal([5L, 1L], seq.call(randn([5, 3])).shape);
    }

    [Fact]
    public void RecurrentParameterNamesAndShapesMatchPyTorch()
    {
        using var lstm = nn.LSTM(4, 5, 2, batchFirst: true, bidirectional: true);
        var shapes = lstm.named_parameters().ToDictionary(p => p.name, p => p.parameter.shape);
        Assert.Equal(16, shapes.Count);
        Assert.Equal([20L, 4L], shapes["weight_ih_l0"]);
        Assert.Equal([20L, 5L], shapes["weight_hh_l0_reverse"]);
        Assert.Equal([20L, 10L], shapes["weight_ih_l1"]);
        Assert.Equal([20L], shapes["bias_hh_l1_reverse"]);
        using var gru = nn.GRU(3, 2);
        Assert.Equal(["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"], gru.named_parameters().Select(p => p.name));
        Assert.Equal([6L, 3L], gru.named_parameters().First().parameter.shape);
        using var scope = NewDisposeScope();
        var (o, h, c) = lstm.call(randn([3, 7, 4]));
        Assert.Equal([3L, 7L, 10L], o.shape);
        Assert.Equal([4L, 3L, 5L], h.shape);
        Assert.Equal([4L, 3L, 5L], c.shape);
    }

    [Fact]
    public void BatchNormTracksRunningStatisticsOnlyInTraining()
    {
        using var scope = NewDisposeScope();
        using var bn = nn.BatchNorm1d(2, momentum: 0.5);
        var x = tensor(new float[] { 1, 10, 3, 20 }, [2, 2]);
        bn.call(x);
        Assert.Equal(new float[] { 1, 7.5f }, bn.running_mean!.data<float>().ToArray());
        Assert.Equal(1L, bn.num_batches_tracked!.item<long>());
        bn.eval();
        var y = bn.call(x);
        Assert.Equal(new float[] { 1, 7.5f }, bn.running_mean!.data<float>().ToArray());
        Assert.Equal(1L, bn.num_batches_tracked!.item<long>());
        // eval normalises with the running statistics: (1 - 1) / sqrt(var + eps) = 0 for the first element
        Assert.Equal(0f, y[0][0].item<float>(), 5);

        using var cumulative = nn.BatchNorm1d(1, momentum: null);
        cumulative.call(tensor(new float[] { 0, 2 }, [2, 1]));
        cumulative.call(tensor(new float[] { 4, 6 }, [2, 1]));
        Assert.Equal(3f, cumulative.running_mean!.item<float>(), 5); // mean of the batch means 1 and 5
    }

    [Fact]
    public void TrainAndEvalPropagateAndChangeDropout()
    {
        using var scope = NewDisposeScope();
        using var model = new ResidualBind();
        model.eval();
        Assert.All(model.modules(), m => Assert.False(m.training));
        var x = randn([4, 4, 41]);
        Assert.True(model.call(x).equal(model.call(x)));
        model.train();
        Assert.All(model.modules(), m => Assert.True(m.training));

        using var dropout = nn.Dropout(0.5);
        var ones_ = ones([10000]);
        var dropped = dropout.call(ones_);
        var zeroFraction = (dropped.eq(0)).to(ScalarType.Float32).mean().item<float>();
        Assert.InRange(zeroFraction, 0.45f, 0.55f);
        Assert.Equal(2f, dropped.max().item<float>()); // survivors scaled by 1/(1-p)
        dropout.eval();
        Assert.True(dropout.call(ones_).equal(ones_));
    }

    [Fact]
    public void ToDtypeKeepsParameterIdentityAndIntegerBuffers()
    {
        using var bn = nn.BatchNorm1d(3);
        var weight = bn.weight!;
        bn.to(ScalarType.Float64);
        Assert.Same(weight, bn.weight);
        Assert.Equal(ScalarType.Float64, weight.dtype);
        Assert.True(weight.requires_grad);
        Assert.True(weight.is_leaf);
        Assert.Equal(ScalarType.Float64, bn.running_var!.dtype);
        Assert.Equal(ScalarType.Int64, bn.num_batches_tracked!.dtype);
    }

    [Fact]
    public void StateDictHandlesAreIndependentOfTheModule()
    {
        using var linear = nn.Linear(2, 2);
        var state = linear.state_dict();
        foreach (var t in state.Values) t.Dispose();
        using var scope = NewDisposeScope();
        Assert.Equal([1L, 2L], linear.call(ones([1, 2])).shape); // module unaffected
        var copy = nn.Linear(2, 2);
        copy.load_state_dict(linear.state_dict());
        Assert.True(copy.weight.equal(linear.weight));
        copy.Dispose();
    }

    [Fact]
    public void XavierUniformRespectsItsBound()
    {
        using var scope = NewDisposeScope();
        var w = empty([64, 32]);
        nn.init.xavier_uniform_(w);
        var bound = Math.Sqrt(6.0 / (64 + 32));
        Assert.True(w.abs().max().item<float>() <= bound);
        Assert.True(w.abs().max().item<float>() > 0.9 * bound);
        Assert.InRange(w.std().item<float>(), 0.9 * bound / Math.Sqrt(3), 1.1 * bound / Math.Sqrt(3));
        Assert.False(w.requires_grad);
        nn.init.xavier_uniform_(w, gain: 2);
        Assert.True(w.abs().max().item<float>() > bound);
    }

    [Fact]
    public void GradientClippingScalesToMaxNorm()
    {
        using var scope = NewDisposeScope();
        using var linear = nn.Linear(4, 3);
        (linear.call(randn([5, 4]) * 100).pow(2)).sum().backward();
        var before = nn.utils.clip_grad_norm_(linear.parameters(), 1.0);
        Assert.True(before > 1.0);
        var after = Math.Sqrt(linear.parameters().Sum(p => p.grad!.pow(2).sum().item<double>()));
        Assert.Equal(1.0, after, 4);
    }

    [Fact]
    public void ZeroGradClearsOrZeroes()
    {
        using var scope = NewDisposeScope();
        using var linear = nn.Linear(2, 1);
        linear.call(ones([1, 2])).sum().backward();
        Assert.NotNull(linear.weight.grad);
        linear.zero_grad(set_to_none: false);
        Assert.Equal(0f, linear.weight.grad!.abs().sum().item<float>());
        linear.zero_grad();
        Assert.Null(linear.weight.grad);
    }
}
