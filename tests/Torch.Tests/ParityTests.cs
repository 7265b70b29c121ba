using System.Text.Json;
using RbpPipeline.Torch.Samples;
using static RbpPipeline.Torch.torch;
using static RbpPipeline.Torch.Tests.TestHelpers;

namespace RbpPipeline.Torch.Tests;

/// <summary>
/// Builds every parity case in C#, runs all of them through one Python process (Oracle/parity.py, PyTorch 1.13 on
/// the same libtorch), and keeps both sides' inputs for the tests to compare against.
/// </summary>
public sealed class ParityFixture : IAsyncLifetime
{
    public const double Tolerance = 1e-5;

    public sealed record ModuleCase(string Name, string Kind, object Args, bool Train, int Seed, long[] InputShape,
        Func<nn.Module> Build, bool Warmup = false);

    public sealed record LossCase(string Name, string Kind, string Reduction, Func<Dictionary<string, Tensor>> Inputs,
        double LabelSmoothing = 0);

    public sealed record TrainCase(string Name, object Args, int Seed, int Steps, Func<nn.Module> Build,
        Func<IEnumerable<Modules.Parameter>, optim.Optimizer> Optimizer, double? Clip = null);

    public static readonly ModuleCase[] ModuleCases =
    [
        new("conv1d_same_dilated", "conv1d", new { @in = 4, @out = 6, k = 5, padding = "same", dilation = 2 }, true, 11, [3, 4, 17],
            () => nn.Conv1d(4, 6, 5, Padding.Same, dilation: 2)),
        new("conv1d_valid", "conv1d", new { @in = 4, @out = 5, k = 3, padding = "valid" }, true, 12, [2, 4, 10],
            () => nn.Conv1d(4, 5, 3, Padding.Valid)),
        new("conv1d_strided_padded", "conv1d", new { @in = 3, @out = 4, k = 4, stride = 2, padding = 1 }, true, 13, [2, 3, 15],
            () => nn.Conv1d(3, 4, 4, stride: 2, padding: 1)),
        new("conv1d_same_even_kernel", "conv1d", new { @in = 2, @out = 3, k = 4, padding = "same" }, true, 14, [2, 2, 9],
            () => nn.Conv1d(2, 3, 4, Padding.Same)),
        new("conv2d", "conv2d", new { @in = 3, @out = 4, k = 3, stride = 1, padding = 1 }, true, 15, [2, 3, 6, 5],
            () => nn.Conv2d(3, 4, 3, padding: 1)),
        new("bn1d_train_3d", "bn1d", new { features = 5, momentum = 0.3, eps = 1e-3 }, true, 16, [4, 5, 7],
            () => nn.BatchNorm1d(5, eps: 1e-3, momentum: 0.3)),
        new("bn1d_train_2d", "bn1d", new { features = 6 }, true, 17, [8, 6], () => nn.BatchNorm1d(6)),
        new("bn1d_eval", "bn1d", new { features = 5 }, false, 18, [4, 5, 7], () => nn.BatchNorm1d(5), Warmup: true),
        new("bn2d_train", "bn2d", new { features = 3 }, true, 19, [2, 3, 4, 5], () => nn.BatchNorm2d(3)),
        new("linear", "linear", new { @in = 7, @out = 3 }, true, 20, [5, 7], () => nn.Linear(7, 3)),
        new("maxpool1d", "maxpool1d", new { k = 3, stride = 2 }, true, 21, [2, 3, 11], () => nn.MaxPool1d(3, 2)),
        new("maxpool2d", "maxpool2d", new { k = 2 }, true, 22, [2, 3, 6, 4], () => nn.MaxPool2d(2)),
        new("avgpool1d", "avgpool1d", new { k = 10 }, true, 23, [2, 3, 41], () => nn.AvgPool1d(10)),
        new("relu", "relu", new { }, true, 24, [3, 5], () => nn.ReLU()),
        new("sigmoid", "sigmoid", new { }, true, 25, [3, 5], () => nn.Sigmoid()),
        new("tanh", "tanh", new { }, true, 26, [3, 5], () => nn.Tanh()),
        new("lstm_bidir_2layer", "lstm", new { input = 4, hidden = 5, layers = 2, bidirectional = true }, true, 27, [3, 6, 4],
            () => new RnnOutput(nn.LSTM(4, 5, 2, batchFirst: true, bidirectional: true))),
        new("gru_bidir_2layer", "gru", new { input = 4, hidden = 5, layers = 2, bidirectional = true }, true, 28, [3, 6, 4],
            () => new RnnOutput(nn.GRU(4, 5, 2, batchFirst: true, bidirectional: true))),
        new("lstm_unidir", "lstm", new { input = 3, hidden = 4, layers = 1, bidirectional = false }, true, 29, [2, 5, 3],
            () => new RnnOutput(nn.LSTM(3, 4, 1, batchFirst: true))),
        new("residualbind_train", "residualbind", new { }, true, 30, [8, 4, 41], () => new ResidualBind()),
        new("residualbind_eval", "residualbind", new { }, false, 31, [8, 4, 41], () => new ResidualBind(), Warmup: true),
    ];

    public static readonly LossCase[] LossCases =
    [
        new("mse", "mse", "mean", () => new() { ["x"] = randn([6, 3]), ["target"] = randn([6, 3]) }),
        new("mse_none", "mse", "none", () => new() { ["x"] = randn([6, 3]), ["target"] = randn([6, 3]) }),
        new("bce_weights", "bce", "mean", () => new()
        {
            ["x"] = randn([6, 3]) * 3, ["target"] = (rand([6, 3]) > 0.5).to(ScalarType.Float32),
            ["weight"] = rand([6, 1]) + 0.5, ["pos_weight"] = tensor(new float[] { 0.5f, 2f, 7f }),
        }),
        new("bce_none", "bce", "none", () => new()
        {
            ["x"] = randn([6, 3]) * 3, ["target"] = (rand([6, 3]) > 0.5).to(ScalarType.Float32),
            ["pos_weight"] = tensor(new float[] { 1.5f, 3f, 0.25f }),
        }),
        new("ce", "ce", "mean", () => new() { ["x"] = randn([6, 5]), ["target"] = randint(0, 5, [6]) }),
        new("ce_weighted_smoothed", "ce", "mean", () => new()
        {
            ["x"] = randn([6, 5]), ["target"] = randint(0, 5, [6]), ["weight"] = rand([5]) + 0.5,
        }, LabelSmoothing: 0.1),
    ];

    public static readonly TrainCase[] TrainCases =
    [
        new("train_adam", new { model = "residualbind", optim = "adam", lr = 1e-3, weight_decay = 1e-4, steps = 3 }, 40, 3,
            () => new ResidualBind(), ps => optim.Adam(ps, 1e-3, weight_decay: 1e-4)),
        new("train_rmsprop", new { model = "residualbind", optim = "rmsprop", lr = 1e-3, momentum = 0.9, centered = true, steps = 3 }, 41, 3,
            () => new ResidualBind(), ps => optim.RMSProp(ps, 1e-3, momentum: 0.9, centered: true)),
        new("train_sgd_clip", new { model = "residualbind", optim = "sgd", lr = 0.05, momentum = 0.9, nesterov = true, weight_decay = 1e-3, clip = 0.5, steps = 3 }, 42, 3,
            () => new ResidualBind(), ps => optim.SGD(ps, 0.05, momentum: 0.9, nesterov: true, weight_decay: 1e-3), Clip: 0.5),
    ];

    private readonly DisposeScope _scope = NewDisposeScope();

    /// <summary>Everything written for Python, by full name ("case.x", "case.state.weight").</summary>
    public Dictionary<string, Tensor> Inputs { get; } = new();

    /// <summary>C# initial state per module case, before any warm-up.</summary>
    public Dictionary<string, Dictionary<string, Tensor>> InitialStates { get; } = new();

    /// <summary>Python's results by full name ("case.out", "case.grad.weight").</summary>
    public Dictionary<string, Tensor> Python { get; private set; } = new();

    public async ValueTask InitializeAsync()
    {
        var cases = new List<object>();
        foreach (var c in ModuleCases)
        {
            manual_seed(c.Seed);
            using var m = c.Build();
            InitialStates[c.Name] = m.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
            manual_seed(c.Seed + 1000);
            if (c.Warmup)
                using (no_grad())
                    for (var i = 0; i < 3; i++) ((nn.Module<Tensor, Tensor>)m).call(randn(c.InputShape) * 2 + 0.5);
            var x = randn(c.InputShape);
            Tensor y;
            using (no_grad()) y = ((nn.Module<Tensor, Tensor>)m.eval()).call(x);
            Inputs[$"{c.Name}.x"] = x;
            Inputs[$"{c.Name}.gout"] = randn(y.shape);
            foreach (var (k, v) in m.state_dict()) Inputs[$"{c.Name}.state.{k}"] = v.clone();
            cases.Add(new { type = "module", name = c.Name, kind = c.Kind, args = c.Args, mode = c.Train ? "train" : "eval", seed = c.Seed });
        }
        manual_seed(77);
        foreach (var c in LossCases)
        {
            foreach (var (k, v) in c.Inputs()) Inputs[$"{c.Name}.{k}"] = v;
            cases.Add(new { type = "loss", name = c.Name, kind = c.Kind, reduction = c.Reduction, label_smoothing = c.LabelSmoothing });
        }
        foreach (var c in TrainCases)
        {
            manual_seed(c.Seed + 1000);
            using var m = c.Build();
            foreach (var (k, v) in m.state_dict()) Inputs[$"{c.Name}.state.{k}"] = v.clone();
            Inputs[$"{c.Name}.x"] = randn([16, 4, 41]);
            Inputs[$"{c.Name}.y"] = randn([16, 1]);
            cases.Add(new { type = "train", name = c.Name, args = c.Args, seed = c.Seed });
        }

        using var folder = new TempFolder("torch-parity");
        Safetensors.Save(folder.File("in.safetensors"), Inputs,
            new Dictionary<string, string> { ["cases"] = JsonSerializer.Serialize(cases) });
        var oracleDir = Path.Combine(RepoPaths.Root, "tests", "Torch.Tests", "Oracle");
        await PythonOracle.RunAsync(await File.ReadAllTextAsync(Path.Combine(oracleDir, "parity.py")),
            [folder.File("in.safetensors"), folder.File("out.safetensors"), oracleDir]);
        Python = Safetensors.Load(folder.File("out.safetensors")).tensors;
        foreach (var t in Python.Values) t.DetachFromDisposeScope();
    }

    public ValueTask DisposeAsync()
    {
        _scope.Dispose();
        foreach (var t in Python.Values) t.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>Adapts LSTM/GRU to a single-output module for the generic forward/backward check.</summary>
    public sealed class RnnOutput : nn.Module<Tensor, Tensor>
    {
        private readonly nn.Module _rnn;

        public RnnOutput(nn.Module rnn) : base("rnn")
        {
            _rnn = rnn;
            // Registered under no prefix so the state names match the bare PyTorch module.
            foreach (var (n, p) in rnn.named_parameters()) register_parameter(n, p);
        }

        public override Tensor forward(Tensor input) => _rnn switch
        {
            Modules.LSTM lstm => lstm.call(input).Item1,
            Modules.GRU gru => gru.call(input).Item1,
            _ => throw new InvalidOperationException(),
        };

        public override nn.Module train(bool on = true)
        {
            _rnn.train(on);
            return base.train(on);
        }
    }
}

public sealed class ParityTests(ParityFixture fixture) : IClassFixture<ParityFixture>
{
    public static TheoryData<string> ModuleCaseNames => new(ParityFixture.ModuleCases.Select(c => c.Name));
    public static TheoryData<string> LossCaseNames => new(ParityFixture.LossCases.Select(c => c.Name));
    public static TheoryData<string> TrainCaseNames => new(ParityFixture.TrainCases.Select(c => c.Name));

    private Tensor Py(string key) =>
        fixture.Python.TryGetValue(key, out var t) ? t : throw new KeyNotFoundException($"python produced no '{key}'");

    [Theory]
    [MemberData(nameof(ModuleCaseNames))]
    public void LayerForwardBackwardMatchesPyTorch(string name)
    {
        var c = ParityFixture.ModuleCases.Single(x => x.Name == name);
        using var scope = NewDisposeScope();
        WithThreads(1, () =>
        {
            using var m = (nn.Module<Tensor, Tensor>)c.Build();
            m.load_state_dict(fixture.Inputs.Where(kv => kv.Key.StartsWith($"{name}.state.", StringComparison.Ordinal))
                .ToDictionary(kv => kv.Key[(name.Length + 7)..], kv => kv.Value));
            m.train(c.Train);
            var x = fixture.Inputs[$"{name}.x"].clone().requires_grad_();
            manual_seed(c.Seed + 1);
            var y = m.call(x);
            (y * fixture.Inputs[$"{name}.gout"]).sum().backward();

            AssertClose(Py($"{name}.out"), y, ParityFixture.Tolerance, $"{name} output");
            AssertClose(Py($"{name}.dx"), x.grad!, ParityFixture.Tolerance, $"{name} input gradient");
            var parameters = m.named_parameters().ToList();
            foreach (var (pn, p) in parameters)
                AssertClose(Py($"{name}.grad.{pn}"), p.grad!, ParityFixture.Tolerance, $"{name} gradient of {pn}");
            var state = m.state_dict();
            Assert.Equal(fixture.Python.Keys.Where(k => k.StartsWith($"{name}.after.", StringComparison.Ordinal)).Select(k => k[(name.Length + 7)..]),
                state.Keys);
            foreach (var (k, v) in state)
                AssertClose(Py($"{name}.after.{k}"), v, ParityFixture.Tolerance, $"{name} state {k} after forward");
            return 0;
        });
    }

    [Theory]
    [MemberData(nameof(ModuleCaseNames))]
    public void DefaultInitialisationDrawsPyTorchsValues(string name)
    {
        // Same seed, same draws in the same order with the same bounds: PyTorch's init, bit for bit.
        var init = fixture.InitialStates[name];
        Assert.Equal(fixture.Python.Keys.Where(k => k.StartsWith($"{name}.init.", StringComparison.Ordinal)).Select(k => k[(name.Length + 6)..]),
            init.Keys);
        foreach (var (k, v) in init)
            Assert.True(Py($"{name}.init.{k}").equal(v), $"{name}: initial {k} differs from PyTorch's");
    }

    [Theory]
    [MemberData(nameof(LossCaseNames))]
    public void LossMatchesPyTorch(string name)
    {
        var c = ParityFixture.LossCases.Single(x => x.Name == name);
        using var scope = NewDisposeScope();
        var x = fixture.Inputs[$"{name}.x"].clone().requires_grad_();
        var target = fixture.Inputs[$"{name}.target"];
        fixture.Inputs.TryGetValue($"{name}.weight", out var weight);
        fixture.Inputs.TryGetValue($"{name}.pos_weight", out var posWeight);
        var reduction = c.Reduction == "none" ? nn.Reduction.None : nn.Reduction.Mean;
        var loss = c.Kind switch
        {
            "mse" => nn.MSELoss(reduction).call(x, target),
            "bce" => nn.BCEWithLogitsLoss(weight, reduction, posWeight).call(x, target),
            "ce" => nn.CrossEntropyLoss(weight, reduction: reduction, label_smoothing: c.LabelSmoothing).call(x, target),
            _ => throw new InvalidOperationException(c.Kind),
        };
        loss.sum().backward();
        AssertClose(Py($"{name}.out"), loss, ParityFixture.Tolerance, $"{name} loss");
        AssertClose(Py($"{name}.dx"), x.grad!, ParityFixture.Tolerance, $"{name} input gradient");
    }

    [Theory]
    [MemberData(nameof(TrainCaseNames))]
    public void TrainingStepsMatchPyTorch(string name)
    {
        var c = ParityFixture.TrainCases.Single(x => x.Name == name);
        using var scope = NewDisposeScope();
        WithThreads(1, () =>
        {
            using var m = (nn.Module<Tensor, Tensor>)c.Build();
            m.load_state_dict(fixture.Inputs.Where(kv => kv.Key.StartsWith($"{name}.state.", StringComparison.Ordinal))
                .ToDictionary(kv => kv.Key[(name.Length + 7)..], kv => kv.Value));
            m.train();
            using var opt = c.Optimizer(m.parameters());
            var x = fixture.Inputs[$"{name}.x"];
            var y = fixture.Inputs[$"{name}.y"];
            manual_seed(c.Seed);
            for (var i = 0; i < c.Steps; i++)
            {
                using var step = NewDisposeScope();
                opt.zero_grad();
                nn.functional.mse_loss(m.call(x), y).backward();
                if (c.Clip is { } clip) nn.utils.clip_grad_norm_(m.parameters(), clip);
                opt.step();
            }
            foreach (var (k, v) in m.state_dict())
                AssertClose(Py($"{name}.final.{k}"), v, ParityFixture.Tolerance, $"{name}: {k} after {c.Steps} steps");
            return 0;
        });
    }
}
