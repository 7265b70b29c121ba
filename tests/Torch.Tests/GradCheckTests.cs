using RbpPipeline.Torch.Modules;
using static RbpPipeline.Torch.torch;
using static RbpPipeline.Torch.Tests.GradCheck;

namespace RbpPipeline.Torch.Tests;

/// <summary>Every differentiable op and layer against central differences (float64).</summary>
public sealed class GradCheckTests
{
    public static TheoryData<string> OpNames => new(Ops.Keys);

    // name → (input shapes, function of the inputs). Inputs are float64 leaves drawn from randn.
    private static readonly Dictionary<string, (long[][] Shapes, Func<Tensor[], Tensor> F)> Ops = new()
    {
        ["add_broadcast"] = ([[3, 4], [4]], x => x[0] + x[1]),
        ["add_alpha"] = ([[3, 4], [3, 4]], x => x[0].add(x[1], 0.5)),
        ["sub"] = ([[3, 4], [3, 1]], x => x[0] - x[1]),
        ["mul"] = ([[3, 4], [3, 4]], x => x[0] * x[1]),
        ["div"] = ([[3, 4], [3, 4]], x => x[0] / (x[1].abs() + 1)),
        ["scalar_ops"] = ([[5]], x => (2 - x[0]) * 3 + x[0] / 4 - 1),
        ["rdiv"] = ([[5]], x => 1 / (x[0].abs() + 0.5)),
        ["neg"] = ([[5]], x => -x[0]),
        ["exp"] = ([[5]], x => x[0].exp()),
        ["log"] = ([[5]], x => (x[0].abs() + 0.5).log()),
        ["sigmoid"] = ([[5]], x => x[0].sigmoid()),
        ["tanh"] = ([[5]], x => x[0].tanh()),
        ["relu"] = ([[7]], x => x[0].relu()),
        ["sqrt"] = ([[5]], x => (x[0].abs() + 0.5).sqrt()),
        ["pow_scalar"] = ([[5]], x => x[0].pow(3)),
        ["pow_tensor"] = ([[5], [5]], x => (x[0].abs() + 0.5).pow(x[1])),
        ["abs"] = ([[5]], x => x[0].abs()),
        ["square"] = ([[5]], x => x[0].square()),
        ["clamp"] = ([[9]], x => x[0].clamp(-0.5, 0.5)),
        ["where"] = ([[6], [6]], x => where(tensor(new[] { true, false, true, true, false, false }), x[0], x[1])),
        ["maximum"] = ([[6], [6]], x => x[0].maximum(x[1])),
        ["matmul"] = ([[3, 4], [4, 2]], x => x[0].matmul(x[1])),
        ["matmul_batched"] = ([[2, 3, 4], [4, 2]], x => x[0].matmul(x[1])),
        ["sum_dim"] = ([[3, 4]], x => x[0].sum(1)),
        ["mean_dims"] = ([[2, 3, 4]], x => x[0].mean([0L, 2L], keepdim: true)),
        ["max_dim"] = ([[3, 4]], x => x[0].max(1).values),
        ["max_all"] = ([[3, 4]], x => x[0].max()),
        ["amax"] = ([[3, 4]], x => x[0].amax(0)),
        ["std"] = ([[3, 4]], x => x[0].std(1)),
        ["var_biased"] = ([[3, 4]], x => x[0].var([0L], unbiased: false)),
        ["logsumexp"] = ([[3, 4]], x => x[0].logsumexp(1)),
        ["softmax"] = ([[3, 4]], x => x[0].softmax(1)),
        ["log_softmax"] = ([[3, 4]], x => x[0].log_softmax(0)),
        ["cat"] = ([[2, 3], [1, 3]], x => cat([x[0], x[1]], 0)),
        ["stack"] = ([[2, 3], [2, 3]], x => stack([x[0], x[1]], 1)),
        ["reshape_permute_transpose"] = ([[2, 3, 4]], x => x[0].reshape(6, 4).t().reshape(2, 2, 6).permute(2, 0, 1).transpose(0, 2)),
        ["flatten_squeeze_unsqueeze"] = ([[2, 1, 3]], x => x[0].squeeze(1).unsqueeze(0).flatten()),
        ["narrow_slice_select"] = ([[4, 6]], x => x[0].narrow(0, 1, 2).slice(1, 0, 6, 2).select(0, 1)),
        ["index_select"] = ([[5, 3]], x => x[0].index_select(0, tensor(new long[] { 4, 0, 4 }))),
        ["gather"] = ([[3, 4]], x => x[0].gather(1, tensor(new long[] { 0, 3, 1, 1, 2, 0 }, [3, 2]))),
        ["expand_repeat"] = ([[3, 1]], x => x[0].expand(3, 4) * x[0].repeat(1, 4)),
        ["masked_fill"] = ([[4]], x => x[0].masked_fill(tensor(new[] { true, false, false, true }), 2.0)),
        ["conv1d_same_dilated"] = ([[2, 3, 9], [4, 3, 3], [4]], x => nn.functional.conv1d(x[0], x[1], x[2], Padding.Same, dilation: 2)),
        ["conv1d_strided"] = ([[2, 3, 9], [4, 3, 3]], x => nn.functional.conv1d(x[0], x[1], null, stride: 2, padding: 1)),
        ["conv2d"] = ([[1, 2, 5, 4], [3, 2, 2, 3], [3]], x => nn.functional.conv2d(x[0], x[1], x[2], padding: [1, 0])),
        ["linear"] = ([[4, 5], [3, 5], [3]], x => nn.functional.linear(x[0], x[1], x[2])),
        ["max_pool1d"] = ([[2, 2, 8]], x => nn.functional.max_pool1d(x[0], 3, 2)),
        ["max_pool2d"] = ([[1, 2, 4, 4]], x => nn.functional.max_pool2d(x[0], [2, 2])),
        ["avg_pool1d"] = ([[2, 2, 11]], x => nn.functional.avg_pool1d(x[0], 5)),
        ["mse_loss"] = ([[4, 3], [4, 3]], x => nn.functional.mse_loss(x[0], x[1])),
        ["bce_with_logits_weights"] = ([[4, 3]], x => nn.functional.binary_cross_entropy_with_logits(x[0],
            tensor(new double[] { 1, 0, 1, 0, 0, 1, 1, 1, 0, 0, 1, 0 }, [4, 3]),
            weight: tensor(new double[] { 0.5, 1, 2, 1.5 }, [4, 1]), pos_weight: tensor(new double[] { 3, 0.5, 1 }))),
        ["cross_entropy"] = ([[4, 5]], x => nn.functional.cross_entropy(x[0], tensor(new long[] { 0, 4, 2, 2 }),
            weight: tensor(new double[] { 1, 2, 0.5, 1, 3 }), label_smoothing: 0.1)),
    };

    [Theory]
    [MemberData(nameof(OpNames))]
    public void OpGradientMatchesFiniteDifferences(string name)
    {
        manual_seed(name.GetHashCode(StringComparison.Ordinal) & 0xffff);
        var (shapes, f) = Ops[name];
        var inputs = shapes.Select(s => Leaf(s)).ToArray();
        try { Check(() => f(inputs), inputs); }
        finally { foreach (var x in inputs) x.Dispose(); }
    }

    public static TheoryData<string> LayerNames => new(Layers.Keys);

    private static readonly Dictionary<string, (Func<nn.Module<Tensor, Tensor>> Build, long[] Input, bool Random)> Layers = new()
    {
        ["Conv1d"] = (() => nn.Conv1d(3, 4, 3, Padding.Same, dilation: 2), [2, 3, 7], false),
        ["Conv2d"] = (() => nn.Conv2d(2, 3, 3, padding: 1), [1, 2, 4, 4], false),
        ["BatchNorm1d_train"] = (() => nn.BatchNorm1d(3), [4, 3, 5], false),
        ["BatchNorm1d_eval"] = (() => (nn.Module<Tensor, Tensor>)nn.BatchNorm1d(3).eval(), [4, 3], false),
        ["BatchNorm2d_train"] = (() => nn.BatchNorm2d(2), [3, 2, 2, 3], false),
        ["Linear"] = (() => nn.Linear(5, 3), [4, 5], false),
        ["Dropout"] = (() => nn.Dropout(0.3), [4, 6], true),
        ["ReLU"] = (() => nn.ReLU(), [3, 4], false),
        ["Sigmoid"] = (() => nn.Sigmoid(), [3, 4], false),
        ["Tanh"] = (() => nn.Tanh(), [3, 4], false),
        ["MaxPool1d"] = (() => nn.MaxPool1d(2), [2, 3, 6], false),
        ["MaxPool2d"] = (() => nn.MaxPool2d(2), [1, 2, 4, 4], false),
        ["AvgPool1d"] = (() => nn.AvgPool1d(3), [2, 3, 9], false),
        ["LSTM_bidirectional_2layer"] = (() => new LstmOutput(nn.LSTM(3, 4, 2, batchFirst: true, bidirectional: true)), [2, 5, 3], false),
        ["GRU_bidirectional_2layer"] = (() => new GruOutput(nn.GRU(3, 4, 2, batchFirst: true, bidirectional: true)), [2, 5, 3], false),
        ["Sequential"] = (() => nn.Sequential(nn.Conv1d(2, 3, 3), nn.ReLU(), nn.Flatten(), nn.Linear(12, 2)), [3, 2, 6], false),
    };

    [Theory]
    [MemberData(nameof(LayerNames))]
    public void LayerGradientMatchesFiniteDifferences(string name)
    {
        manual_seed(7);
        var (build, shape, random) = Layers[name];
        using var layer = build();
        layer.to(ScalarType.Float64);
        var x = Leaf(shape);
        try
        {
            var inputs = new List<Tensor> { x };
            inputs.AddRange(layer.parameters());
            Check(() => layer.call(x), inputs, seed: random ? 3 : null);
        }
        finally { x.Dispose(); }
    }

    private sealed class LstmOutput : nn.Module<Tensor, Tensor>
    {
        private readonly LSTM rnn;

        public LstmOutput(LSTM lstm) : base("lstm")
        {
            rnn = lstm;
            RegisterComponents();
        }

        // Output, final hidden and final cell state all enter the objective.
        public override Tensor forward(Tensor input)
        {
            var (o, h, c) = rnn.call(input);
            return cat([o.flatten(), h.flatten(), c.flatten()]);
        }
    }

    private sealed class GruOutput : nn.Module<Tensor, Tensor>
    {
        private readonly GRU rnn;

        public GruOutput(GRU gru) : base("gru")
        {
            rnn = gru;
            RegisterComponents();
        }

        public override Tensor forward(Tensor input)
        {
            var (o, h) = rnn.call(input);
            return cat([o.flatten(), h.flatten()]);
        }
    }
}
