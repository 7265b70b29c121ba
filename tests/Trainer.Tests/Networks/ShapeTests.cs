using RbpPipeline.Trainer.Networks;
using static TorchSharp.torch;
using static RbpPipeline.Trainer.Tests.Networks.NetworkTestSupport;

namespace RbpPipeline.Trainer.Tests.Networks;

/// <summary>Every architecture × input configuration: the interpreter's actual shapes equal the IR's shape inference.</summary>
[Collection(NetworkCollection.Name)]
public sealed class ShapeTests
{
    public ShapeTests() => UseOneThread();

    public static TheoryData<string, string, string, int> Configurations()
    {
        // architecture, inputs ("name:channels:length" joined by ','), hyperparameter JSON, tasks
        var data = new TheoryData<string, string, string, int>
        {
            { "residualbind", "sequence:4:41", "{}", 1 },
            { "residualbind", "sequence:4:41,structure:5:41", "{}", 3 },
            { "residualbind", "sequence:4:101,region:5:101,structure:6:101", "{}", 2 },
            { "residualbind", "sequence:4:40", """{"res_dilations":[1,3],"kernel":4}""", 1 },
            { "ideeps", "sequence:4:101", "{}", 1 },
            { "ideeps", "sequence:4:101,structure:6:101", "{}", 2 },
            { "ideeps", "sequence:4:101,region:5:101,structure:6:101", """{"lstm_layers":2,"dense":0}""", 3 },
            { "ideeps", "sequence:4:50", """{"bidirectional":false}""", 1 },
            { "ideeps", "sequence:4:60,structure:3:60", """{"lstm_output":"sequence"}""", 2 },
            { "deepripe", "sequence:4:150", "{}", 1 },
            { "deepripe", "sequence:4:150,region:5:250", "{}", 3 },
            { "deepripe", "sequence:4:150,region:5:250", """{"multitask":"gru"}""", 3 },
            { "deepripe", "sequence:4:150,region:5:250,structure:6:120", """{"multitask":"gru","gru_output":"sequence"}""", 2 },
            { "deepripe", "sequence:4:101,region:5:101", """{"mt_pool":1}""", 1 },
            { "multiresbind", "sequence:4:101", "{}", 1 },
            { "multiresbind", "sequence:4:101,region:5:101", "{}", 3 },
            { "multiresbind", "sequence:4:101,region:5:101,structure:6:101", """{"res_dilations":[1,2],"res_dropouts":[0.1,0.3]}""", 2 },
            { "rbpadda", "sequence:4:41", "{}", 1 },
            { "rbpadda", "sequence:4:101,structure:5:101", "{}", 2 },
            { "rbpadda-encoder", "sequence:4:41", "{}", 64 },
            { "rbpadda-encoder", "sequence:4:41", """{"features":16}""", 16 },
            { "rbpadda-predictor", "features:64:0", "{}", 1 },
            { "rbpadda-predictor", "features:16:0", """{"predictor_hidden":0}""", 2 },
            { "rbpadda-discriminator", "features:64:0", "{}", 1 },
        };
        return data;
    }

    private static NetworkShape ParseShape(string inputs, int tasks) =>
        new([.. inputs.Split(',').Select(s => s.Split(':')).Select(p => new NetworkInput(p[0], int.Parse(p[1]), int.Parse(p[2])))], tasks);

    private static Dictionary<string, System.Text.Json.JsonElement> ParseHp(string json) =>
        System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, System.Text.Json.JsonElement>>(json)!;

    [Theory]
    [MemberData(nameof(Configurations))]
    public void Every_node_output_has_the_inferred_shape_in_train_and_eval_mode(string architecture, string inputs, string hp, int tasks)
    {
        var shape = ParseShape(inputs, tasks);
        manual_seed(1);
        using var network = Architectures.Get(architecture).Create(shape, ParseHp(hp));
        var graph = network.Graph;
        const int batch = 3;
        var inferred = graph.InferShapes(batch);

        foreach (var train in new[] { true, false })
        {
            using var scope = NewDisposeScope();
            network.Module.train(train);
            var all = ((GraphNetwork)network).ForwardAll(RandomInputs(shape, batch));
            foreach (var node in graph.Nodes)
                Assert.True(inferred[node.Id].SequenceEqual(all[node.Id].shape),
                    $"{architecture} {inputs}: node '{node.Name}' ({node.Op}) is [{string.Join(", ", all[node.Id].shape)}], inferred [{string.Join(", ", inferred[node.Id])}]");
            var output = network.Forward(RandomInputs(shape, batch));
            Assert.Equal([batch, tasks], output.shape);
            Assert.False(output.isnan().any().item<bool>(), "the output has NaN");
        }
        Assert.Equal([-1L, tasks], graph.Shapes[graph.Output.Id]);
    }

    [Fact]
    public void Deepripe_joins_modules_of_different_lengths_along_the_length_axis()
    {
        var shape = Shape(3, ("sequence", 4, 150), ("region", 5, 250));
        var graph = Architectures.Get(ArchitectureKey.DeepRiPe).BuildGraph(shape, Hp());

        var join = (ConcatNode)graph["join"];
        Assert.Equal(2, join.Axis);
        // (150 − 6) / 4 = 36 sequence positions, (250 − 6) / 4 = 61 region positions.
        Assert.Equal([-1L, 90, 36], graph.Shapes[join.Inputs[0]]);
        Assert.Equal([-1L, 90, 61], graph.Shapes[join.Inputs[1]]);
        Assert.Equal([-1L, 90, 97], graph.Shapes[join.Id]);
    }

    [Fact]
    public void Shape_inference_follows_overridden_input_lengths()
    {
        var graph = Architectures.Get(ArchitectureKey.DeepRiPe).BuildGraph(Shape(1, ("sequence", 4, 150), ("region", 5, 250)), Hp(("multitask", "gru")));

        var shapes = graph.InferShapes(7, new Dictionary<string, int> { ["sequence"] = 110, ["region"] = 250 });

        Assert.Equal([7L, 90, 26 + 61], shapes[graph["join"].Id]);
        Assert.Equal([7L, 1], shapes[graph.Output.Id]); // the GRU's final states do not depend on the length
    }

    [Fact]
    public void Residualbind_shapes_match_the_paper_for_41_nt()
    {
        var graph = Architectures.Get(ArchitectureKey.ResidualBind).BuildGraph(Shape(1, ("sequence", 4, 41)), Hp());

        Assert.Equal([-1L, 96, 41], graph.Shapes[graph["res.add"].Id]);
        Assert.Equal([-1L, 96, 4], graph.Shapes[graph["pool"].Id]);
        Assert.Equal(new LinearNode(384, 256) with { Id = graph["dense"].Id, Name = "dense", Inputs = graph["dense"].Inputs }, graph["dense"]);
        var conv = (Conv1dNode)graph["res.conv3"];
        Assert.Equal((4, 4, 4), (conv.Dilation, conv.PadBegin, conv.PadEnd));
    }
}
