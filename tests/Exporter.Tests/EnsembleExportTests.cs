using System.Text.Json;
using RbpPipeline.Contracts.Manifests;
using RbpPipeline.Exporter.Graphs;
using RbpPipeline.Exporter.Parity;
using RbpPipeline.Trainer.Networks;

namespace RbpPipeline.Exporter.Tests;

/// <summary>
/// An ensemble of three different architectures exported as one graph. The oracle for its outputs is each member's
/// own exported graph, run separately: the ensemble's raw output must be their mean, its gradient graph the mean of
/// their input gradients, and the parity gate must pass it against libtorch's ensemble.
/// </summary>
public sealed class EnsembleExportTests(ITestOutputHelper output)
{
    private static readonly string[] MemberArchitectures = ["residualbind", "multiresbind", "ideeps"];

    private sealed class Fixture : IDisposable
    {
        public Fixture(int tasks, TaskType type)
        {
            var shape = TestNetworks.Shape("residualbind", InputSet.Sequence, tasks);
            Tasks = TestNetworks.Tasks(tasks, type);
            Members = [.. MemberArchitectures.Select((a, i) => TestNetworks.Create(a, shape, TestNetworks.Small(a), seed: 11 + i))];
            var hp = MemberArchitectures.Select(a => (IReadOnlyDictionary<string, JsonElement>)Trainer.Networks.Hyperparameters
                .Resolve(a, Architectures.Get(a).HyperparameterSpecs, TestNetworks.Small(a)).Values).ToList();
            (Ensemble, _) = EnsembleComposer.Compose(Members, hp);
            Batch = ParityBatch.FromEncoding(TestNetworks.Encoding(shape), tasks, synthetic: 8, random: 8, seed: 5);
        }

        public IReadOnlyList<TaskInfo> Tasks { get; }
        public IReadOnlyList<INetwork> Members { get; }
        public INetwork Ensemble { get; }
        public ParityBatch Batch { get; }

        public OnnxGraphs Export(INetwork network, GradientSpace space = GradientSpace.Logit) =>
            OnnxExport.Build(network.Graph, WeightSet.FromModule(network.Module), new OnnxExportSpec { Tasks = Tasks, GradientOf = space });

        public void Dispose()
        {
            Ensemble.Dispose();
            foreach (var m in Members) m.Dispose();
        }
    }

    [Theory]
    [InlineData(2, TaskType.Binary)]
    [InlineData(1, TaskType.Regression)]
    public void Ensemble_model_onnx_outputs_the_mean_of_the_members_own_graphs(int tasks, TaskType type)
    {
        using var f = new Fixture(tasks, type);
        using var ensemble = new OrtRunner(f.Export(f.Ensemble).Model);
        var outputs = type == TaskType.Binary ? new[] { OnnxExport.RawOutput, OnnxExport.ProbabilityOutput } : [OnnxExport.RawOutput];
        var actual = ensemble.Run(f.Batch.Inputs, outputs);
        var mean = new double[actual[OnnxExport.RawOutput].Length];
        foreach (var member in f.Members)
        {
            using var runner = new OrtRunner(f.Export(member).Model);
            var raw = runner.Run(f.Batch.Inputs, [OnnxExport.RawOutput])[OnnxExport.RawOutput];
            for (var i = 0; i < raw.Length; i++) mean[i] += raw[i] / (double)f.Members.Count;
        }
        var spread = mean.Max() - mean.Min();
        Assert.True(spread > 0.01, $"the members' outputs vary ({spread})");
        for (var i = 0; i < mean.Length; i++)
            Assert.True(Math.Abs(actual[OnnxExport.RawOutput][i] - mean[i]) <= 1e-5, $"raw[{i}] {actual[OnnxExport.RawOutput][i]} vs mean of members {mean[i]}");
        // The single-model contract: the probability is the sigmoid of the (averaged) raw output.
        if (type == TaskType.Binary)
            for (var i = 0; i < mean.Length; i++)
                Assert.Equal(1 / (1 + Math.Exp(-mean[i])), actual[OnnxExport.ProbabilityOutput][i], 1e-6);
    }

    [Theory]
    [InlineData(GradientSpace.Logit)]
    [InlineData(GradientSpace.Probability)]
    public void Ensemble_gradient_graph_passes_the_parity_gate(GradientSpace space)
    {
        using var f = new Fixture(2, TaskType.Binary);
        var graphs = f.Export(f.Ensemble, space);
        var outcome = ParityGate.Measure(f.Ensemble, graphs, f.Tasks, f.Batch);
        output.WriteLine($"{graphs.ModelNodes} forward nodes, {graphs.GradientNodes} gradient nodes; {outcome.Describe()}");
        Assert.True(outcome.Passed, outcome.Describe());
        Assert.Contains(outcome.Gradient, c => c.Tensor == "grad_sequence");
    }

    [Fact]
    public void Ensemble_logit_gradient_is_the_mean_of_the_members_gradients()
    {
        using var f = new Fixture(2, TaskType.Binary);
        var inputs = f.Batch.Inputs.Append(f.Batch.OutputWeights with { Name = GradientGraph.OutputWeightsInput }).ToList();
        using var ensemble = new OrtRunner(f.Export(f.Ensemble).Gradient);
        var actual = ensemble.Run(inputs, ["grad_sequence"])["grad_sequence"];
        var mean = new double[actual.Length];
        foreach (var member in f.Members)
        {
            using var runner = new OrtRunner(f.Export(member).Gradient);
            var g = runner.Run(inputs, ["grad_sequence"])["grad_sequence"];
            for (var i = 0; i < g.Length; i++) mean[i] += g[i] / (double)f.Members.Count;
        }
        var scale = mean.Max(Math.Abs);
        Assert.True(scale > 0);
        for (var i = 0; i < mean.Length; i++)
            Assert.True(Math.Abs(actual[i] - mean[i]) <= 1e-5 * scale + 1e-6, $"grad_sequence[{i}] {actual[i]} vs mean of members {mean[i]}");
    }
}
