using System.Globalization;
using RbpPipeline.Contracts.Manifests;
using RbpPipeline.Exporter.Graphs;
using RbpPipeline.Exporter.Parity;
using RbpPipeline.Onnx.Format;
using RbpPipeline.Trainer.Networks;

namespace RbpPipeline.Exporter.Tests;

/// <summary>
/// Checks that do not trust libtorch or our own reading of ONNX: the operator zoo against libtorch, onnx.checker
/// (python3-onnx 1.12, full_check) on every kind of graph, and gradient.onnx against finite differences of model.onnx.
/// </summary>
public sealed class GraphCheckTests(ITestOutputHelper output)
{
    private static OnnxGraphs Export(INetwork network, int columns, TaskType type = TaskType.Binary, GradientSpace space = GradientSpace.Logit) =>
        OnnxExport.Build(network.Graph, WeightSet.FromModule(network.Module),
            new OnnxExportSpec { Tasks = TestNetworks.Tasks(columns, type), GradientOf = space, Metadata = new Dictionary<string, string> { ["rbp.test"] = "1" } });

    [Theory]
    [InlineData("conv1d")]
    [InlineData("conv2d")]
    [InlineData("recurrent")]
    public void Operator_zoo_matches_libtorch(string name)
    {
        using var network = OperatorZoo.Create(name);
        var columns = (int)network.Graph.Shapes[network.Graph.Output.Id][1];
        var graphs = Export(network, columns);
        var ops = ModelProto.Parser.ParseFrom(graphs.Gradient).Graph.Node.Select(n => n.OpType).ToHashSet();
        output.WriteLine($"{name}: gradient graph ops {string.Join(", ", ops.Order(StringComparer.Ordinal))}");
        if (name is "conv1d" or "conv2d") Assert.Contains("ConvTranspose", ops);
        if (name == "conv1d") Assert.Contains("ScatterElements", ops);

        var outcome = ParityGate.Measure(network, graphs, TestNetworks.Tasks(columns, TaskType.Binary), ParityBatch.Gaussian(network.Graph, 6, seed: 5));
        output.WriteLine(outcome.Describe());
        Assert.True(outcome.Passed, outcome.Describe());
    }

    [Fact]
    public async Task Onnx_checker_accepts_every_graph()
    {
        using var temp = new TempFolder();
        var files = new List<string>();
        void Write(string label, OnnxGraphs g)
        {
            foreach (var (suffix, bytes) in new[] { ("model", g.Model), ("gradient", g.Gradient) })
            {
                var path = temp.File($"{label}.{suffix}.onnx");
                File.WriteAllBytes(path, bytes);
                files.Add(path);
            }
        }
        foreach (var arch in new[] { "residualbind", "multiresbind", "rbpadda", "ideeps", "deepripe" })
        {
            var inputs = arch == "deepripe" ? InputSet.Region : InputSet.Structure;
            using var network = TestNetworks.Create(arch, TestNetworks.Shape(arch, inputs, 2), TestNetworks.Small(arch));
            Write(arch, Export(network, 2, TaskType.Binary, GradientSpace.Probability));
        }
        using (var gru = TestNetworks.Create("deepripe", TestNetworks.Shape("deepripe", InputSet.Sequence, 1), TestNetworks.Small("deepripe", "gru")))
            Write("deepripe-gru", Export(gru, 1, TaskType.Regression));
        foreach (var name in OperatorZoo.Names)
        {
            using var network = OperatorZoo.Create(name);
            Write($"zoo-{name}", Export(network, (int)network.Graph.Shapes[network.Graph.Output.Id][1]));
        }

        const string script = """
            import sys, onnx
            from onnx import checker
            for path in sys.argv[1:]:
                model = onnx.load(path)
                checker.check_model(model, full_check=True)
                assert model.ir_version == 8 and model.opset_import[0].version == 17, path
                print("ok", path.rsplit("/", 1)[-1], len(model.graph.node))
            """;
        var result = await PythonOracle.RunAsync(script, files, cancellationToken: TestContext.Current.CancellationToken);
        output.WriteLine(result);
        Assert.Equal(files.Count, result.Split('\n').Count(l => l.StartsWith("ok ", StringComparison.Ordinal)));
    }

    public static TheoryData<string, string?, GradientSpace> FiniteDifferenceCases() => new()
    {
        { "residualbind", null, GradientSpace.Logit },
        { "multiresbind", null, GradientSpace.Probability },
        { "rbpadda", null, GradientSpace.Logit },
        { "ideeps", null, GradientSpace.Logit },
        { "deepripe", "gru", GradientSpace.Probability },
        { "zoo:conv1d", null, GradientSpace.Logit },
        { "zoo:conv2d", null, GradientSpace.Logit },
        { "zoo:recurrent", null, GradientSpace.Probability },
    };

    /// <summary>
    /// For random x, w and a random direction v (per example n): (f(x + εv) − f(x − εv)) / 2ε with f = Σ_j target_j(x)·w_j
    /// computed from model.onnx alone, against Σ ⟨∂f/∂x, v⟩ from gradient.onnx.
    /// </summary>
    [Theory]
    [MemberData(nameof(FiniteDifferenceCases))]
    public void Gradient_graph_matches_finite_differences_of_the_forward_graph(string which, string? variant, GradientSpace space)
    {
        INetwork network = which.StartsWith("zoo:", StringComparison.Ordinal)
            ? OperatorZoo.Create(which[4..])
            : TestNetworks.Create(which, TestNetworks.Shape(which, which == "deepripe" ? InputSet.Region : InputSet.Sequence, 2), TestNetworks.Small(which, variant));
        using var _ = network;
        var columns = (int)network.Graph.Shapes[network.Graph.Output.Id][1];
        var graphs = Export(network, columns, TaskType.Binary, space);
        var target = space == GradientSpace.Probability ? OnnxExport.ProbabilityOutput : OnnxExport.RawOutput;
        var batch = ParityBatch.Gaussian(network.Graph, 4, seed: 17);
        var n = batch.Size;

        using var model = new OrtRunner(graphs.Model);
        using var gradient = new OrtRunner(graphs.Gradient);
        var grads = gradient.Run([.. batch.Inputs, batch.OutputWeights], [.. batch.Inputs.Select(i => GradientGraph.GradientOutput(i.Name))]);
        var rng = new Random(23);
        var directions = batch.Inputs.Select(i => i.Data.Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray()).ToList();
        double[] F(float sign, float eps)
        {
            var shifted = batch.Inputs.Select((t, k) => t with { Data = [.. t.Data.Select((v, j) => v + sign * eps * directions[k][j])] }).ToList();
            var y = model.Run(shifted, [target])[target];
            var f = new double[n];
            for (var r = 0; r < n; r++)
                for (var c = 0; c < columns; c++) f[r] += (double)y[r * columns + c] * batch.OutputWeights.Data[r * columns + c];
            return f;
        }
        double[] Fd(float eps)
        {
            var plus = F(1, eps);
            var minus = F(-1, eps);
            return [.. plus.Zip(minus, (p, m) => (p - m) / (2 * eps))];
        }
        var analytic = new double[n];
        for (var k = 0; k < batch.Inputs.Count; k++)
        {
            var g = grads[GradientGraph.GradientOutput(batch.Inputs[k].Name)];
            var per = g.Length / n;
            for (var r = 0; r < n; r++)
                for (var j = 0; j < per; j++) analytic[r] += (double)g[r * per + j] * directions[k][r * per + j];
        }
        var scale = analytic.Max(Math.Abs);
        Assert.True(scale > 1e-4, $"the directional derivatives are all ~0 ({scale}): the test would prove nothing");
        // A ReLU or max-pool kink inside the ±εv segment makes the central difference meaningless for that example; a
        // step four times smaller tells such a crossing (the difference moves) from a wrong gradient (it does not).
        var coarse = Fd(1e-3f);
        var fine = Fd(2.5e-4f);
        bool Close(double fd, double a) => Math.Abs(fd - a) <= 2e-2 * scale + 1e-4; // a wrong rule is off by O(scale)
        for (var r = 0; r < n; r++)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"example {r}: finite differences {coarse[r]:G6} (ε 1e-3), {fine[r]:G6} (ε 2.5e-4); gradient graph {analytic[r]:G6}"));
            Assert.True(Close(coarse[r], analytic[r]) || Close(fine[r], analytic[r]),
                string.Create(CultureInfo.InvariantCulture, $"example {r}: finite differences {coarse[r]} / {fine[r]}, gradient.onnx {analytic[r]} (scale {scale})"));
        }
    }
}
