using System.Text.Json;
using TorchSharp;
using RbpPipeline.Trainer.Networks;
using RbpPipeline.Trainer.Networks.Models;
using static TorchSharp.torch;
using static RbpPipeline.Trainer.Tests.Networks.NetworkTestSupport;

namespace RbpPipeline.Trainer.Tests.Networks;

/// <summary>The IR is complete and explicit: valid order, no hidden state, strict hyperparameters, a strict registry.</summary>
[Collection(NetworkCollection.Name)]
public sealed class GraphTests
{
    public GraphTests() => UseOneThread();

    /// <summary>A representative shape per architecture (with extra inputs where the architecture takes them).</summary>
    // The ensemble has no network of its own without members (EnsembleExportTests and EnsembleServeTests build it).
    public static TheoryData<string> ArchitectureNames() => [.. Architectures.Names.Where(n => n != ArchitectureKey.Ensemble.Name)];

    internal static NetworkShape DefaultShape(string architecture) => architecture switch
    {
        "rbpadda-encoder" => Shape(64, ("sequence", 4, 41)),
        "rbpadda-predictor" or "rbpadda-discriminator" => new([NetworkInput.Vector("features", 64)], 1),
        "deepripe" => Shape(3, ("sequence", 4, 150), ("region", 5, 250)),
        "ideeps" => Shape(1, ("sequence", 4, 101), ("structure", 5, 101)),
        "multiresbind" => Shape(3, ("sequence", 4, 101), ("region", 5, 101)),
        _ => Shape(2, ("sequence", 4, 41)),
    };

    [Theory]
    [MemberData(nameof(ArchitectureNames))]
    public void Graph_is_topological_and_its_state_is_exactly_the_modules_state_dict(string name)
    {
        var shape = DefaultShape(name);
        using var network = Architectures.Get(name).Create(shape, Hp());
        var graph = network.Graph;

        for (var i = 0; i < graph.Nodes.Count; i++)
        {
            Assert.Equal(i, graph.Nodes[i].Id);
            Assert.All(graph.Nodes[i].Inputs, j => Assert.InRange(j, 0, i - 1));
        }
        Assert.Equal(shape.Inputs.Select(i => i.Name), graph.Inputs.Select(i => i.InputName));
        Assert.IsType<OutputNode>(graph.Nodes[^1]);

        using var scope = NewDisposeScope();
        var stateDict = network.Module.state_dict();
        // Same names (TorchSharp lists every parameter before every buffer; the graph keeps PyTorch's per-layer order).
        Assert.Equal(graph.State.Select(s => s.Name).Order(StringComparer.Ordinal), stateDict.Keys.Order(StringComparer.Ordinal));
        foreach (var s in graph.State)
        {
            Assert.Equal(s.Shape, stateDict[s.Name].shape);
            Assert.Equal(s.DType == "int64" ? ScalarType.Int64 : ScalarType.Float32, stateDict[s.Name].dtype);
        }
        Assert.Equal(graph.State.Where(s => s.Kind == StateKind.Parameter).Select(s => s.Name), network.Module.named_parameters().Select(p => p.name));
        Assert.Equal(graph.State.Where(s => s.Kind == StateKind.Buffer).Select(s => s.Name), network.Module.named_buffers().Select(b => b.name));
        // Every stateful node's tensors are prefixed by its own name, the module path.
        foreach (var node in graph.Nodes)
            Assert.All(node.State, s => Assert.Equal($"{node.Name}.{s.LocalName}", s.Name));
    }

    [Theory]
    [MemberData(nameof(ArchitectureNames))]
    public void Defaults_are_the_specs_and_building_with_them_explicitly_changes_nothing(string name)
    {
        var architecture = Architectures.Get(name);
        Assert.Equal(architecture.HyperparameterSpecs.Select(s => s.Name), architecture.DefaultHyperparameters.Keys);
        var shape = DefaultShape(name);

        var implicitGraph = architecture.BuildGraph(shape, Hp());
        var explicitGraph = architecture.BuildGraph(shape, architecture.DefaultHyperparameters);

        Assert.Equal(implicitGraph.ToString(), explicitGraph.ToString());
        Assert.Equal(implicitGraph.State, explicitGraph.State, (a, b) => a.Name == b.Name && a.Shape.SequenceEqual(b.Shape));
    }

    [Fact]
    public void Registry_finds_names_case_insensitively_and_suggests_on_a_typo()
    {
        Assert.Equal(
            ["residualbind", "ideeps", "deepripe", "multiresbind", "rbpadda", "rbpadda-encoder", "rbpadda-predictor", "rbpadda-discriminator", "ensemble"],
            Architectures.Names);
        Assert.Equal("residualbind", Architectures.Get("ResidualBind").Name);

        var error = Assert.Throws<ArgumentException>(() => Architectures.Get("residualbnd"));
        Assert.Contains("unknown architecture 'residualbnd'; did you mean 'residualbind'?", error.Message);
        Assert.Contains("known: residualbind, ideeps, deepripe, multiresbind, rbpadda", error.Message);

        var far = Assert.Throws<ArgumentException>(() => Architectures.Get("transformer"));
        Assert.DoesNotContain("did you mean", far.Message);
        Assert.False(Architectures.TryGet("nope", out _));
    }

    [Fact]
    public void Every_builtin_key_finds_the_architecture_of_that_name_and_keys_compare_as_names_do()
    {
        ArchitectureKey[] keys = [ArchitectureKey.ResidualBind, ArchitectureKey.IDeepS, ArchitectureKey.DeepRiPe, ArchitectureKey.MultiResBind,
            ArchitectureKey.RbpAdda, ArchitectureKey.RbpAddaEncoder, ArchitectureKey.RbpAddaPredictor, ArchitectureKey.RbpAddaDiscriminator, ArchitectureKey.Ensemble];
        Assert.Equal(Architectures.Names, keys.Select(k => k.Name));
        foreach (var key in keys) Assert.Equal(key, Architectures.Get(key).Key);
        Assert.Equal(ArchitectureKey.ResidualBind, new ArchitectureKey(" ResidualBind "));
        Assert.NotEqual(ArchitectureKey.RbpAdda, ArchitectureKey.RbpAddaEncoder);
        Assert.Throws<ArgumentException>(() => new ArchitectureKey(" "));
        var unknown = Assert.Throws<ArgumentException>(() => Architectures.Get(new ArchitectureKey("residualbnd")));
        Assert.Contains("did you mean 'residualbind'?", unknown.Message);
    }

    [Fact]
    public void Builder_refuses_a_node_handle_it_did_not_hand_out()
    {
        var b = new GraphBuilder();
        var x = b.Input(new NetworkInput("sequence", 4, 20));
        Assert.Equal(new NodeHandle(0), x);
        var error = Assert.Throws<ArgumentException>(() => b.Relu(new NodeHandle(3), "act"));
        Assert.Contains("node 'act' reads unknown node 3", error.Message);
    }

    [Fact]
    public void Unknown_hyperparameter_names_the_closest_one()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            Architectures.Get(ArchitectureKey.ResidualBind).BuildGraph(Shape(1, ("sequence", 4, 41)), Hp(("filter", 32))));

        Assert.Contains("residualbind has no hyperparameter 'filter'; did you mean 'filters'?", error.Message);
        Assert.Contains("known: filters, kernel,", error.Message);
    }

    [Theory]
    [InlineData("residualbind", "filters", "\"many\"", "'filters' must be an integer, got the string \"many\"")]
    [InlineData("residualbind", "filters", "9.5", "'filters' must be an integer, got the number 9.5")]
    [InlineData("residualbind", "conv_dropout", "true", "'conv_dropout' must be a number, got the boolean true")]
    [InlineData("residualbind", "conv_dropout", "1", "'conv_dropout' must be ≥ 0 and < 1, got 1")]
    [InlineData("residualbind", "filters", "0", "'filters' must be ≥ 1, got 0")]
    [InlineData("residualbind", "res_dilations", "[1, \"2\"]", "'res_dilations' must be a non-empty list of integers")]
    [InlineData("residualbind", "res_dilations", "[]", "'res_dilations' must be a non-empty list of integers, got the list []")]
    [InlineData("ideeps", "bidirectional", "1", "'bidirectional' must be true or false, got the number 1")]
    [InlineData("deepripe", "multitask", "\"gruu\"", "'multitask' must be one of conv, gru, got \"gruu\"; did you mean 'gru'?")]
    [InlineData("deepripe", "multitask", "3", "'multitask' must be one of conv, gru, got the number 3")]
    [InlineData("multiresbind", "res_dropouts", "[0.1, 2]", "'res_dropouts' must be ≥ 0 and < 1, got 2")]
    public void Wrong_typed_or_out_of_range_values_are_rejected_with_the_name(string architecture, string name, string json, string expected)
    {
        var hp = new Dictionary<string, JsonElement> { [name] = JsonDocument.Parse(json).RootElement.Clone() };
        var error = Assert.Throws<ArgumentException>(() => Architectures.Get(architecture).BuildGraph(GraphTests.DefaultShape(architecture), hp));
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Inputs_that_do_not_fit_are_explained()
    {
        var tooShort = Assert.Throws<ArgumentException>(() =>
            Architectures.Get(ArchitectureKey.ResidualBind).BuildGraph(Shape(1, ("sequence", 4, 8)), Hp()));
        Assert.Contains("residualbind cannot be built for inputs sequence [4×8]: node 'pool' (AvgPool1d): the pooled length would be 0", tooShort.Message);

        var lengths = Assert.Throws<ArgumentException>(() =>
            Architectures.Get(ArchitectureKey.MultiResBind).BuildGraph(Shape(1, ("sequence", 4, 101), ("region", 5, 250)), Hp()));
        Assert.Contains("multiresbind stacks its inputs per position, so they must have the same length", lengths.Message);

        var mismatch = Assert.Throws<ArgumentException>(() =>
            Architectures.Get(ArchitectureKey.MultiResBind).BuildGraph(Shape(1, ("sequence", 4, 101)), Hp(("res_dropouts", new[] { 0.1 }))));
        Assert.Contains("res_dropouts needs one value per residual block (3), got 1", mismatch.Message);

        var encoder = Assert.Throws<ArgumentException>(() =>
            Architectures.Get(ArchitectureKey.RbpAddaEncoder).BuildGraph(Shape(1, ("sequence", 4, 41)), Hp()));
        Assert.Contains("needs tasks = 64", encoder.Message);

        using var network = Architectures.Get(ArchitectureKey.ResidualBind).Create(Shape(1, ("sequence", 4, 41)), Hp());
        using var scope = NewDisposeScope();
        var wrong = Assert.Throws<ArgumentException>(() => network.Forward([zeros([2, 4, 40])]));
        Assert.Contains("input 'sequence' must be [N, 4, 41], got [2, 4, 40]", wrong.Message);
    }

    [Fact]
    public void Graph_constructor_rejects_broken_structure()
    {
        var b = new GraphBuilder();
        var x = b.Input(new NetworkInput("sequence", 4, 20));
        x = b.Relu(x);
        var good = b.Build(b.Linear(b.Flatten(x), "fc", 1));
        var nodes = good.Nodes.ToList();

        // A forward reference: the ReLU reads the Flatten that comes after it.
        var swapped = nodes.Select(n => n.Id == 1 ? n with { Inputs = [2] } : n).ToList();
        Assert.Contains("does not come before it", Assert.Throws<ArgumentException>(() => new NetworkGraph(swapped)).Message);

        // A dangling node.
        var dangling = nodes.Take(nodes.Count - 1).Append(new ActivationNode(Activation.Tanh) { Id = nodes.Count - 1, Name = "dead", Inputs = [0] })
            .Append(nodes[^1] with { Id = nodes.Count }).ToList();
        Assert.Contains("is never used", Assert.Throws<ArgumentException>(() => new NetworkGraph(dangling)).Message);

        // A Linear whose input size disagrees with what feeds it.
        var wrongSize = nodes.Select(n => n is LinearNode l ? l with { InFeatures = 79 } : n).ToList();
        Assert.Contains("node 'fc' (Linear): expects 79 features", Assert.Throws<ArgumentException>(() => new NetworkGraph(wrongSize)).Message);

        // Two stateful nodes with one path.
        var b2 = new GraphBuilder();
        var y = b2.Flatten(b2.Input(new NetworkInput("sequence", 4, 5)));
        y = b2.Linear(y, "fc", 3);
        var clash = Assert.Throws<ArgumentException>(() => b2.Build(b2.Linear(y, "fc", 1)));
        Assert.Contains("node name 'fc' is used twice", clash.Message);
    }

    [Fact]
    public void Same_padding_with_an_even_kernel_puts_the_extra_zero_at_the_end_as_pytorch()
    {
        var b = new GraphBuilder();
        var x = b.Input(new NetworkInput("sequence", 3, 9));
        x = b.Conv1d(x, "conv", 2, 4, ConvPadding.Same, dilation: 1);
        var graph = b.Build(b.Flatten(x));
        var conv = (Conv1dNode)graph["conv"];
        Assert.Equal((1, 2), (conv.PadBegin, conv.PadEnd));

        manual_seed(3);
        using var network = new GraphNetwork("test", new NetworkShape([new NetworkInput("sequence", 3, 9)], 18), graph);
        using var scope = NewDisposeScope();
        var input = randn([2, 3, 9]);
        var layer = (TorchSharp.Modules.Conv1d)((GraphNetwork)network).Layer(conv.Id)!;
        // PyTorch's padding="same" for an even kernel puts the extra zero at the end: (k − 1) = 3 → 1 before, 2 after.
        var expected = nn.functional.conv1d(nn.functional.pad(input, [1, 2]), layer.weight, layer.bias).flatten(1);

        Assert.True(MaxAbsDiff(expected, network.Forward([input])) < 1e-6);
    }

    [Fact]
    public void Dropout_follows_train_and_eval_mode_and_zero_dropout_adds_no_node()
    {
        var shape = Shape(1, ("sequence", 4, 41));
        Assert.Contains(Architectures.Get(ArchitectureKey.ResidualBind).BuildGraph(shape, Hp()).Nodes, n => n is DropoutNode);
        var none = Architectures.Get(ArchitectureKey.ResidualBind).BuildGraph(shape, Hp(("conv_dropout", 0), ("res_dropout", 0), ("dense_dropout", 0)));
        Assert.DoesNotContain(none.Nodes, n => n is DropoutNode);

        manual_seed(5);
        using var network = Architectures.Get(ArchitectureKey.ResidualBind).Create(shape, Hp());
        using var scope = NewDisposeScope();
        var x = RandomInputs(shape, 16);
        network.Module.eval();
        Assert.Equal(0, MaxAbsDiff(network.Forward(x), network.Forward(x)));
        network.Module.train();
        Assert.True(MaxAbsDiff(network.Forward(x), network.Forward(x)) > 1e-4, "training-mode dropout should make two passes differ");
    }

    [Fact]
    public void Multiresbind_uses_glorot_uniform_weights_and_zero_biases_unless_told_otherwise()
    {
        var shape = Shape(3, ("sequence", 4, 101));
        manual_seed(7);
        using var glorot = Architectures.Get(ArchitectureKey.MultiResBind).Create(shape, Hp());
        using var plain = Architectures.Get(ArchitectureKey.MultiResBind).Create(shape, Hp(("init", "default")));
        using var scope = NewDisposeScope();

        var w = glorot.Module.state_dict()["conv1.weight"];
        var bound = Math.Sqrt(6.0 / (4 * 11 + 96 * 11));
        Assert.True(w.abs().max().item<float>() <= bound + 1e-6);
        Assert.True(w.abs().max().item<float>() > 0.9 * bound, "Glorot weights should fill their range");
        Assert.Equal(0f, glorot.Module.state_dict()["dense.bias"].abs().max().item<float>());
        Assert.True(plain.Module.state_dict()["dense.bias"].abs().max().item<float>() > 0);
        var graph = glorot.Graph;
        Assert.All(graph.Nodes.OfType<Conv1dNode>(), c => Assert.Equal(WeightInit.XavierUniform, c.Init));
    }

    [Fact]
    public void Rbpadda_composite_from_two_trained_parts_equals_predictor_of_encoder()
    {
        var sequence = Shape(64, ("sequence", 4, 41));
        var features = new NetworkShape([NetworkInput.Vector("features", 64)], 1);
        manual_seed(11);
        using var encoder = Architectures.Get(ArchitectureKey.RbpAddaEncoder).Create(sequence, Hp());
        using var predictor = Architectures.Get(ArchitectureKey.RbpAddaPredictor).Create(features, Hp());
        using var composite = Architectures.Get(ArchitectureKey.RbpAdda).Create(sequence with { Tasks = 1 }, Hp());
        using var scope = NewDisposeScope();

        var encoderState = encoder.Module.state_dict();
        var predictorState = predictor.Module.state_dict();
        var state = RbpAddaParts.ComposeState(encoderState, predictorState);
        Assert.Equal(composite.Graph.State.Select(s => s.Name).Order(), state.Keys.Order());
        composite.Module.load_state_dict(state);
        Assert.Equal(encoderState.Keys, RbpAddaParts.PartState(composite.Module.state_dict(), "encoder").Keys);

        foreach (var m in new[] { encoder, predictor, composite }) m.Module.eval();
        var x = RandomInputs(sequence, 8);
        var expected = predictor.Forward([encoder.Forward(x)]);
        Assert.Equal(0, MaxAbsDiff(expected, composite.Forward(x)));

        // The composite's encoder part is the encoder graph, renamed.
        var encoderNodes = encoder.Graph.Nodes.Where(n => n is not InputNode and not OutputNode).Select(n => $"encoder.{n.Name} {n.Op}");
        Assert.Equal(encoderNodes, composite.Graph.Nodes.Where(n => n.Name.StartsWith("encoder.", StringComparison.Ordinal)).Select(n => $"{n.Name} {n.Op}"));
    }

    [Fact]
    public void Recurrent_final_states_are_the_last_step_forward_and_first_step_backward()
    {
        foreach (var cell in new[] { RecurrentCell.Lstm, RecurrentCell.Gru })
        {
            var b = new GraphBuilder();
            var x = b.Permute(b.Input(new NetworkInput("sequence", 3, 7)), [0, 2, 1]);
            var sequence = b.Recurrent(x, "rnn", cell, 5, 2, true, RecurrentOutput.Sequence);
            var final = b.Add(new RecurrentNode(cell, 3, 5, 2, true, RecurrentOutput.FinalStates), "rnn_final", x);
            var both = b.Concat(1, [b.Flatten(sequence), final]);
            // Share weights: build, then copy rnn's state into rnn_final.
            manual_seed(13);
            using var network = new GraphNetwork("test", new NetworkShape([new NetworkInput("sequence", 3, 7)], 7 * 10 + 10), b.Build(both));
            using var scope = NewDisposeScope();
            var state = network.Module.state_dict();
            var rnnState = state.Where(kv => kv.Key.StartsWith("rnn.", StringComparison.Ordinal))
                .ToDictionary(kv => kv.Key.Replace("rnn.", "rnn_final.", StringComparison.Ordinal), kv => kv.Value);
            network.Module.load_state_dict(rnnState, strict: false);

            var all = ((GraphNetwork)network).ForwardAll([randn([2, 3, 7])]);
            var output = all[sequence.Id];
            var expected = cat([output.select(1, 6).narrow(1, 0, 5), output.select(1, 0).narrow(1, 5, 5)], 1);
            Assert.True(MaxAbsDiff(expected, all[final.Id]) < 1e-6, $"{cell}: final states differ from the sequence's ends");
        }
    }
}
