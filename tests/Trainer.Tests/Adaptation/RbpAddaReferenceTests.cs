using RbpPipeline.TestSupport;
using RbpPipeline.Trainer.Adaptation;
using RbpPipeline.Trainer.Synthetic;
using RbpPipeline.Trainer.Tests.Training;

namespace RbpPipeline.Trainer.Tests.Adaptation;

/// <summary>What issue 17 aligned with the reference implementation, and the stage-2 collapse warning, on short runs.</summary>
[Collection(TorchCollection.Name)]
public sealed class RbpAddaReferenceTests(ITestOutputHelper output)
{
    private static RbpAddaData Pair(ulong seed)
    {
        var (vitro, vivo) = DomainShiftGenerator.GenerateShifted(seed, scale: 0.2);
        var a = vitro.Records.ToList();
        var b = vivo.Records.ToList();
        return new RbpAddaData(a[..600], a[600..], b[..300], b[300..]);
    }

    private static RbpAddaOptions Quick(ulong seed) => new()
    {
        SourceEpochs = 3, AdversarialIterations = 40, FineTuneIterations = 5, ProbeIterations = 0, BatchSize = 64, CollapseWindow = 10,
        Seed = seed, Threads = 1,
    };

    private (RbpAddaResult Result, List<string> Lines) Run(RbpAddaData data, RbpAddaOptions options, RbpAddaRunControl? control = null)
    {
        var lines = new List<string>();
        var result = RbpAddaTrainer.Train(data, options, control ?? RbpAddaRunControl.None, line =>
        {
            lines.Add(line);
            output.WriteLine(line);
        }, TestContext.Current.CancellationToken);
        return (result, lines);
    }

    [Fact]
    public void The_discriminator_is_one_linear_map_started_as_the_reference_starts_it()
    {
        using var folder = new TempFolder("rbpadda-d");
        var state = folder.File(RbpAddaStateFile.FileName);
        // One adversarial iteration at lr 5e-5 moves each weight by about 5e-5 (Adam), far below the bounds tested.
        var options = Quick(3) with { SourceEpochs = 1, AdversarialIterations = 1 };
        Assert.Throws<OperationCanceledException>(() => Run(Pair(3), options, new RbpAddaRunControl { StatePath = state, StopAfterStage = 2 }));

        using var saved = RbpAddaStateFile.Load(state);
        var d = saved.Section("d");
        Assert.Equal(["fc1.bias", "fc1.weight"], d.Keys.Order());
        Assert.Equal([1L, 64L], d["fc1.weight"].shape);
        var w = d["fc1.weight"].data<float>().ToArray();
        Assert.All(w, v => Assert.InRange(Math.Abs(v), 0, 0.04 + 1e-4));
        var mean = w.Average();
        var sd = Math.Sqrt(w.Sum(v => (v - mean) * (v - mean)) / (w.Length - 1));
        // A normal of sd 0.02 truncated at ±2 sd has sd 0.0176; 64 draws: about ±10 %.
        Assert.InRange(sd, 0.012, 0.024);
        Assert.InRange(Math.Abs(d["fc1.bias"].item<float>()), 0, 1e-4);
    }

    [Fact]
    public void A_forced_collapse_is_warned_about_and_a_balanced_run_is_not()
    {
        var data = Pair(4);
        // Forced: D practically frozen at its start (every score near 0, below the 0.5 threshold) while a fast Mt
        // pushes its target features to "source": D's training accuracy falls to 0 and stays there.
        var (forced, forcedLines) = Run(data, Quick(5) with { DiscriminatorLearningRate = 1e-9, TargetEncoderLearningRate = 1e-2, TargetSupervision = false });
        forced.Dispose();
        var warning = Assert.Single(forcedLines, l => l.Contains("WARNING: collapse", StringComparison.Ordinal));
        Assert.Contains("fooled systematically", warning);
        Assert.Contains(CollapseMonitor.LowAdvice, warning);

        // Balanced: the rates the benchmark found to keep D off 0 and 1 (D 5e-4 against Mt 1e-4).
        var (balanced, balancedLines) = Run(data, Quick(5) with { DiscriminatorLearningRate = 5e-4, TargetEncoderLearningRate = 1e-4 });
        using (balanced)
        {
            Assert.DoesNotContain(balancedLines, l => l.Contains("WARNING", StringComparison.Ordinal));
            Assert.InRange(balanced.Adaptation.DiscriminatorLast!.Value, CollapseMonitor.Low, CollapseMonitor.High);
        }
    }
}
