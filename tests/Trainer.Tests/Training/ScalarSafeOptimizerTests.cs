using RbpPipeline.Trainer.Training.Optimizers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RbpPipeline.Trainer.Tests.Training;

/// <summary>
/// The optimisers whose steps keep their Scalars alive take exactly TorchSharp's steps (oracle: TorchSharp's own
/// optimiser on the same parameters and gradients, compared bit for bit, state bytes included), and survive garbage
/// collections on another thread, which make TorchSharp 0.107's own Adam read a freed c10::Scalar within a second.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class ScalarSafeOptimizerTests
{
    public static TheoryData<string> Kinds => ["adam", "adam-decay", "rmsprop", "rmsprop-momentum", "sgd", "sgd-momentum"];

    private static OptimizerHelper Ours(string kind, IEnumerable<Parameter> p) => kind switch
    {
        "adam" => new ScalarSafe.Adam(p, 0.01),
        "adam-decay" => new ScalarSafe.Adam(p, 0.01, beta1: 0.5, weightDecay: 1e-3),
        "rmsprop" => new ScalarSafe.RMSProp(p, 0.01),
        "rmsprop-momentum" => new ScalarSafe.RMSProp(p, 0.01, weightDecay: 1e-3, momentum: 0.9),
        "sgd" => new ScalarSafe.SGD(p, 0.1),
        "sgd-momentum" => new ScalarSafe.SGD(p, 0.1, momentum: 0.9, weightDecay: 1e-3),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private static OptimizerHelper TorchSharps(string kind, IEnumerable<Parameter> p) => kind switch
    {
        "adam" => optim.Adam(p, 0.01),
        "adam-decay" => optim.Adam(p, 0.01, beta1: 0.5, weight_decay: 1e-3),
        "rmsprop" => optim.RMSProp(p, 0.01),
        "rmsprop-momentum" => optim.RMSProp(p, 0.01, weight_decay: 1e-3, momentum: 0.9),
        "sgd" => optim.SGD(p, 0.1),
        "sgd-momentum" => optim.SGD(p, 0.1, momentum: 0.9, weight_decay: 1e-3),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Steps_are_torchsharps_bit_for_bit(string kind)
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(7);
        var shapes = new long[][] { [5, 3], [3], [2, 4, 6] };
        var start = shapes.Select(s => randn(s, generator: generator)).ToArray();
        var ours = start.Select(t => new Parameter(t.clone())).ToArray();
        var theirs = start.Select(t => new Parameter(t.clone())).ToArray();
        using var a = Ours(kind, ours);
        using var b = TorchSharps(kind, theirs);
        for (var step = 0; step < 30; step++)
        {
            // Gradients that depend on the weights, as in training, so a drifting update would compound.
            foreach (var (mine, other) in ours.Zip(theirs))
            {
                var noise = randn(mine.shape, generator: generator);
                mine.grad = (mine.detach().sin() + noise).detach();
                other.grad = (other.detach().sin() + noise).detach();
            }
            a.step();
            b.step();
        }
        foreach (var (mine, other) in ours.Zip(theirs))
            Assert.True(mine.eq(other).all().item<bool>(), $"{kind}: the weights differ from TorchSharp's by up to {(mine - other).abs().max().item<float>()}");
        Assert.Equal(StateBytes(b), StateBytes(a)); // also proves the saved form (resumable states) is TorchSharp's
        if (kind == "sgd") return; // plain SGD keeps no state
        using var untouched = TorchSharps(kind, start.Select(t => new Parameter(t.clone())).ToArray());
        Assert.NotEqual(StateBytes(untouched), StateBytes(a)); // the comparison above can tell states apart
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Steps_survive_garbage_collections_on_another_thread(string kind)
    {
        using var stop = new CancellationTokenSource();
        var collector = new Thread(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }
        }) { IsBackground = true };
        var parameters = Enumerable.Range(0, 40).Select(_ => new Parameter(randn(8))).ToArray();
        using var optimizer = Ours(kind, parameters);
        collector.Start();
        try
        {
            for (var i = 0; i < 1500; i++)
            {
                using var scope = NewDisposeScope();
                foreach (var p in parameters) p.grad = randn(8);
                optimizer.step();
            }
        }
        finally
        {
            stop.Cancel();
            collector.Join();
            foreach (var p in parameters) p.Dispose();
        }
    }

    private static byte[] StateBytes(OptimizerHelper optimizer)
    {
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true))
            optimizer.save_state_dict(writer);
        return buffer.ToArray();
    }
}
