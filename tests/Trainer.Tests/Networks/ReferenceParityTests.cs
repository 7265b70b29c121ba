using System.Text.Json;
using TorchSharp;
using RbpPipeline.Trainer.Networks;
using static TorchSharp.torch;
using static RbpPipeline.Trainer.Tests.Networks.NetworkTestSupport;

namespace RbpPipeline.Trainer.Tests.Networks;

/// <summary>
/// The graph interpreter against independent PyTorch 1.13 models (Oracle/reference_networks.py, written from the
/// documented structure, loaded with strict state names): same weights, same inputs, outputs within 1e-5, and the
/// backward pass of a weighted output sum (gradients of every input and every parameter) within 1e-5. Eval mode
/// uses perturbed running statistics; train mode (dropout off) checks batch statistics and the running-statistics
/// update. DeepRiPe with its GRU and iDeepS with its LSTM check the recurrent reductions; Multi-resBind its skip;
/// RBP-ADDA's composite (encoder + predictor) its 2-D convolutions over the one-hot image.
/// </summary>
[Collection(NetworkCollection.Name)]
public sealed class ReferenceParityTests
{
    private const double Tolerance = 1e-5;

    private sealed record Case(string Name, string Architecture, NetworkShape Shape, Dictionary<string, JsonElement> Hp, bool Train);

    private static readonly Case[] Cases =
    [
        new("residualbind_eval", "residualbind", Shape(2, ("sequence", 4, 41)), Hp(), false),
        new("residualbind_structure_eval", "residualbind", Shape(1, ("sequence", 4, 45), ("structure", 3, 45)), Hp(("kernel", 8)), false),
        new("residualbind_train", "residualbind", Shape(2, ("sequence", 4, 41)),
            Hp(("conv_dropout", 0), ("res_dropout", 0), ("dense_dropout", 0)), true),
        new("deepripe_gru_eval", "deepripe", Shape(3, ("sequence", 4, 60), ("region", 5, 90)), Hp(("multitask", "gru")), false),
        new("deepripe_gru_train", "deepripe", Shape(3, ("sequence", 4, 60), ("region", 5, 90)),
            Hp(("multitask", "gru"), ("conv_dropout", 0), ("mt_dropout", 0), ("dense_dropout", 0)), true),
        new("ideeps_eval", "ideeps", Shape(2, ("sequence", 4, 50), ("structure", 2, 50), ("region", 5, 50)), Hp(), false),
        new("multiresbind_eval", "multiresbind", Shape(3, ("sequence", 4, 50), ("region", 5, 50)), Hp(), false),
        new("multiresbind_train", "multiresbind", Shape(3, ("sequence", 4, 50), ("region", 5, 50)), Hp(("res_dropouts", new[] { 0.0, 0.0, 0.0 })), true),
        new("rbpadda_eval", "rbpadda", Shape(1, ("sequence", 4, 41)), Hp(), false),
    ];

    [Fact]
    public async Task Interpreter_matches_independent_pytorch_models()
    {
        UseOneThread();
        using var folder = new TempFolder();
        var script = Path.Combine(RepoPaths.Root, "tests", "Trainer.Tests", "Networks", "Oracle", "reference_networks.py");
        var networks = new List<(Case Case, INetwork Network, Tensor Output, Dictionary<string, Tensor> State, Dictionary<string, Tensor> Grads, string Result)>();
        try
        {
            var seed = 40;
            foreach (var c in Cases)
            {
                manual_seed(seed++);
                var architecture = Architectures.Get(c.Architecture);
                var network = architecture.Create(c.Shape, c.Hp);
                using var scope = NewDisposeScope();
                PerturbRunningStatistics(network);
                var inputs = RandomInputs(c.Shape, 6);
                var outputWeight = randn([6, c.Shape.Tasks]);
                var stateBefore = network.Module.state_dict();

                var file = Path.Combine(folder.Path, $"{c.Name}.safetensors");
                var result = Path.Combine(folder.Path, $"{c.Name}.out.safetensors");
                var hp = architecture.DefaultHyperparameters.ToDictionary(kv => kv.Key, kv => c.Hp.TryGetValue(kv.Key, out var v) ? v : kv.Value);
                OracleFile.Save(file,
                    stateBefore.Select(kv => KeyValuePair.Create($"state.{kv.Key}", kv.Value))
                        .Concat(c.Shape.Inputs.Select((input, i) => KeyValuePair.Create($"input.{input.Name}", inputs[i])))
                        .Append(KeyValuePair.Create("weight.output", outputWeight)),
                    new Dictionary<string, string>
                    {
                        ["architecture"] = c.Architecture,
                        ["hp"] = JsonSerializer.Serialize(hp),
                        ["inputs"] = JsonSerializer.Serialize(c.Shape.Inputs.Select(i => i.Name)),
                        ["train"] = c.Train ? "1" : "0",
                        ["output"] = result,
                    });

                network.Module.train(c.Train);
                // One forward pass with gradients (as the oracle does), then the backward of sum(output · weight).
                foreach (var x in inputs) x.requires_grad_(true);
                var forward = network.Forward(inputs);
                (forward * outputWeight).sum().backward();
                var output = forward.detach().DetachFromDisposeScope();
                var grads = new Dictionary<string, Tensor>(StringComparer.Ordinal);
                for (var i = 0; i < inputs.Length; i++) grads[$"grad.input.{c.Shape.Inputs[i].Name}"] = inputs[i].grad!.clone().DetachFromDisposeScope();
                foreach (var (name, p) in network.Module.named_parameters())
                    if (p.grad is { } g) grads[$"grad.param.{name}"] = g.clone().DetachFromDisposeScope();
                var stateAfter = network.Module.state_dict().Where(kv => kv.Key.Contains("running", StringComparison.Ordinal))
                    .ToDictionary(kv => kv.Key, kv => kv.Value.clone().DetachFromDisposeScope());
                networks.Add((c, network, output, stateAfter, grads, result));
            }

            await PythonOracle.RunAsync(await File.ReadAllTextAsync(script, TestContext.Current.CancellationToken),
                [.. Cases.Select(c => Path.Combine(folder.Path, $"{c.Name}.safetensors"))], cancellationToken: TestContext.Current.CancellationToken);

            foreach (var (c, _, output, state, grads, result) in networks)
            {
                var expected = OracleFile.Load(result);
                try
                {
                    var diff = MaxAbsDiff(expected["output"], output);
                    Assert.True(diff <= Tolerance, $"{c.Name}: max |C# − PyTorch| = {diff:E3}");
                    // Gradients: every input's and every parameter's, each within 1e-5 of PyTorch's (relative to the
                    // gradient's own scale where that exceeds 1: summed over a batch, they grow with the weights).
                    Assert.Equal(expected.Keys.Where(k => k.StartsWith("grad.", StringComparison.Ordinal)).Order(StringComparer.Ordinal),
                        grads.Keys.Order(StringComparer.Ordinal));
                    foreach (var (name, grad) in grads)
                    {
                        var scale = Math.Max(1.0, expected[name].abs().max().item<float>());
                        var gradDiff = MaxAbsDiff(expected[name], grad);
                        Assert.True(gradDiff <= Tolerance * scale, $"{c.Name}: {name} differs by {gradDiff:E3} (scale {scale:G3})");
                    }
                    if (!c.Train) continue;
                    if (c.Architecture == "residualbind") Assert.NotEmpty(state);
                    foreach (var (name, value) in state)
                    {
                        var stateDiff = MaxAbsDiff(expected[$"state.{name}"], value);
                        Assert.True(stateDiff <= Tolerance, $"{c.Name}: {name} after one training pass differs by {stateDiff:E3}");
                    }
                }
                finally
                {
                    foreach (var t in expected.Values) t.Dispose();
                }
            }
        }
        finally
        {
            foreach (var (_, network, output, state, grads, _) in networks)
            {
                network.Dispose();
                output.Dispose();
                foreach (var t in state.Values.Concat(grads.Values)) t.Dispose();
            }
        }
    }

    /// <summary>Running statistics away from 0/1, so eval-mode BatchNorm is not the identity.</summary>
    private static void PerturbRunningStatistics(INetwork network)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        foreach (var (name, buffer) in network.Module.named_buffers())
        {
            if (name.EndsWith("running_mean", StringComparison.Ordinal)) buffer.copy_(randn(buffer.shape) * 0.2);
            if (name.EndsWith("running_var", StringComparison.Ordinal)) buffer.copy_(rand(buffer.shape) + 0.5);
        }
    }
}
