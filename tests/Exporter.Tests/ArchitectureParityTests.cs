using RbpPipeline.Contracts.Manifests;
using RbpPipeline.Exporter.Graphs;
using RbpPipeline.Exporter.Parity;
using RbpPipeline.Trainer.Networks;

namespace RbpPipeline.Exporter.Tests;

/// <summary>
/// Every architecture, in several input configurations, task counts and task types: model.onnx and gradient.onnx in
/// ONNX Runtime against libtorch (eval mode forward, autograd of sum(outputs·w) for the input gradients).
/// </summary>
public sealed class ArchitectureParityTests(ITestOutputHelper output)
{
    public static TheoryData<string, string?, InputSet, int, TaskType, GradientSpace> Cases() => new()
    {
        { "residualbind", null, InputSet.Sequence, 1, TaskType.Binary, GradientSpace.Logit },
        { "residualbind", null, InputSet.Region, 3, TaskType.Regression, GradientSpace.Logit },
        { "residualbind", null, InputSet.Structure, 1, TaskType.Binary, GradientSpace.Probability },
        { "multiresbind", null, InputSet.Sequence, 3, TaskType.Binary, GradientSpace.Logit },
        { "multiresbind", null, InputSet.Region, 1, TaskType.Regression, GradientSpace.Logit },
        { "multiresbind", null, InputSet.Structure, 3, TaskType.Binary, GradientSpace.Probability },
        { "rbpadda", null, InputSet.Sequence, 1, TaskType.Regression, GradientSpace.Logit },
        { "rbpadda", null, InputSet.Structure, 3, TaskType.Binary, GradientSpace.Logit },
        { "rbpadda", null, InputSet.Region, 1, TaskType.Binary, GradientSpace.Probability },
        { "ideeps", null, InputSet.Sequence, 1, TaskType.Binary, GradientSpace.Logit },
        { "ideeps", null, InputSet.Structure, 3, TaskType.Binary, GradientSpace.Probability },
        { "ideeps", null, InputSet.Region, 1, TaskType.Regression, GradientSpace.Logit },
        { "ideeps", "lstm-sequence", InputSet.Sequence, 1, TaskType.Binary, GradientSpace.Logit },
        { "ideeps", "lstm-2layers", InputSet.Structure, 1, TaskType.Binary, GradientSpace.Logit },
        { "ideeps", "lstm-unidirectional", InputSet.Sequence, 3, TaskType.Regression, GradientSpace.Logit },
        { "deepripe", null, InputSet.Sequence, 3, TaskType.Binary, GradientSpace.Logit },
        { "deepripe", null, InputSet.Region, 3, TaskType.Binary, GradientSpace.Probability },
        { "deepripe", null, InputSet.Structure, 1, TaskType.Regression, GradientSpace.Logit },
        { "deepripe", "gru", InputSet.Region, 3, TaskType.Binary, GradientSpace.Logit },
        { "deepripe", "gru-sequence", InputSet.Sequence, 1, TaskType.Regression, GradientSpace.Logit },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Exported_graphs_match_libtorch(string architecture, string? variant, InputSet inputs, int tasks, TaskType type, GradientSpace space)
    {
        var shape = TestNetworks.Shape(architecture, inputs, tasks);
        using var network = TestNetworks.Create(architecture, shape, TestNetworks.Small(architecture, variant));
        var taskInfo = TestNetworks.Tasks(tasks, type);
        var graphs = OnnxExport.Build(network.Graph, WeightSet.FromModule(network.Module), new OnnxExportSpec { Tasks = taskInfo, GradientOf = space });

        Assert.Equal(type != TaskType.Regression, graphs.Outputs.Any(o => o.Name == OnnxExport.ProbabilityOutput));
        Assert.Equal(type == TaskType.Regression ? GradientSpace.Logit : space, graphs.GradientTarget.Spaces["task0"]);

        // Standard-normal inputs (larger activations than one-hot, every ReLU and pool path exercised).
        var outcome = ParityGate.Measure(network, graphs, taskInfo, ParityBatch.Gaussian(network.Graph, 5, seed: 3));
        output.WriteLine($"{graphs.ModelNodes} forward nodes, {graphs.GradientNodes} gradient nodes; {outcome.Describe()}");
        Assert.True(outcome.Passed, outcome.Describe());
        Assert.Equal(graphs.Outputs.Count * 2 + shape.Inputs.Count, outcome.Comparisons.Count);
    }

    [Theory]
    [InlineData("residualbind", InputSet.Structure)]
    [InlineData("ideeps", InputSet.Region)]
    [InlineData("deepripe", InputSet.Sequence)]
    public void Encoded_synthetic_and_random_one_hot_inputs_pass_the_gate(string architecture, InputSet inputs)
    {
        var shape = TestNetworks.Shape(architecture, inputs, 1);
        using var network = TestNetworks.Create(architecture, shape, TestNetworks.Small(architecture));
        var tasks = TestNetworks.Tasks(1, TaskType.Binary);
        var graphs = OnnxExport.Build(network.Graph, WeightSet.FromModule(network.Module), new OnnxExportSpec { Tasks = tasks });
        var batch = ParityBatch.FromEncoding(TestNetworks.Encoding(shape), 1, synthetic: 6, random: 6);

        Assert.Equal(12, batch.Size);
        var outcome = ParityGate.Measure(network, graphs, tasks, batch);
        Assert.True(outcome.Passed, outcome.Describe());
        Assert.True(outcome.ToManifest().Gradient!.MaxAbsDiff > 0, "the gradients were compared");
    }

    [Fact]
    public void BatchNorm_is_folded_into_the_preceding_layer()
    {
        var shape = TestNetworks.Shape("residualbind", InputSet.Sequence, 1);
        using var network = TestNetworks.Create("residualbind", shape, TestNetworks.Small("residualbind"));
        var tasks = TestNetworks.Tasks(1, TaskType.Regression);
        var weights = WeightSet.FromModule(network.Module);
        var folded = OnnxExport.Build(network.Graph, weights, new OnnxExportSpec { Tasks = tasks });
        var unfolded = OnnxExport.Build(network.Graph, weights, new OnnxExportSpec { Tasks = tasks, FoldBatchNorm = false });

        Assert.Equal(network.Graph.Nodes.OfType<BatchNormNode>().Count(), folded.FoldedBatchNorms); // conv1, res.bn1-3, bn_dense
        Assert.True(folded.ModelNodes < unfolded.ModelNodes);
        var ops = Onnx.Format.ModelProto.Parser.ParseFrom(folded.Model).Graph.Node.Select(n => n.OpType).ToList();
        Assert.DoesNotContain("BatchNormalization", ops);
        Assert.DoesNotContain("Mul", ops);
        var batch = ParityBatch.Gaussian(network.Graph, 4);
        Assert.True(ParityGate.Measure(network, unfolded, tasks, batch).Passed);
        Assert.True(ParityGate.Measure(network, folded, tasks, batch).Passed);
    }
}
