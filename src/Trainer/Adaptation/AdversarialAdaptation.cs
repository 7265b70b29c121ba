using RbpPipeline.Trainer.Networks;
using RbpPipeline.Trainer.Training.Optimizers;
using TorchSharp;
using static TorchSharp.torch;

namespace RbpPipeline.Trainer.Adaptation;

/// <summary>
/// Stage 2: adversarial adaptation. Mt starts as Ms (stage 1); per iteration the discriminator D learns Ms(source) = 1
/// against Mt(target) = 0 on features computed without gradients, then Mt is updated with the inverted label to fool
/// D (plus, with <see cref="RbpAddaOptions.TargetSupervision"/>, T's squared error on the target minibatch, as the
/// reference does); Ms and T stay frozen. Skipped (Mt = Ms) without ADDA or with no adversarial iterations. Before
/// and after, a fresh probe discriminator measures how separable the domains' features are
/// (<see cref="AdaptationFigures"/>); a sustained collapse of D's training accuracy is warned about
/// (<see cref="CollapseMonitor"/>).
/// </summary>
/// <param name="createHead">A new rbpadda-discriminator with the given hidden units (D and the probes).</param>
internal sealed class AdversarialAdaptation(Func<int, INetwork> createHead) : IRbpAddaStage
{
    /// <summary>The probe's hidden units: a fixed small MLP, whatever D is, so that probe figures compare across settings.</summary>
    public const int ProbeHidden = 32;

    public int Number => 2;

    public string Run(RbpAddaRun run)
    {
        var options = run.Options;
        if (options.SkipAdaptation || options.AdversarialIterations <= 0) return "rbp-adda stage 2 skipped (without ADDA): Mt = Ms";
        double? probeBefore = options.ProbeIterations > 0 ? ProbeAccuracy(run) : null;
        if (probeBefore is { } pb) run.Log($"rbp-adda stage 2: domain probe before adaptation (Mt = Ms): held-out accuracy {pb:F3} (0.5 = indistinguishable)");
        run.Discriminator = CreateDiscriminator(createHead, options);
        var (before, after, first, last) = Adapt(run, run.Discriminator);
        double? probeAfter = options.ProbeIterations > 0 ? ProbeAccuracy(run) : null;
        var f = run.Adaptation = new AdaptationFigures(before, after, first, last, probeBefore, probeAfter);
        run.Stages.Add(run.Measure("adapt"));
        return $"rbp-adda stage 2 (adaptation): {RbpAddaTrainer.Describe(run.Stages[^1], run.Source, run.Target)}; " +
            $"D held-out accuracy {f.DiscriminatorBefore:F3} → {f.DiscriminatorAfter:F3}, D training accuracy {f.DiscriminatorFirst:F3} (first tenth) → " +
            $"{f.DiscriminatorLast:F3} (last tenth); fresh-probe accuracy {f.ProbeBefore:F3} → {f.ProbeAfter:F3}";
    }

    /// <summary>
    /// D as the reference initialises it: weights from a normal of sd 0.02 truncated at two sd, biases 0 (drawn from
    /// the global generator, so the seed fixes them).
    /// </summary>
    internal static INetwork CreateDiscriminator(Func<int, INetwork> createHead, RbpAddaOptions options)
    {
        var d = createHead(options.DiscriminatorHidden);
        using var noGrad = no_grad();
        foreach (var (name, p) in d.Module.named_parameters())
        {
            if (name.EndsWith("bias", StringComparison.Ordinal)) p.zero_();
            else p.copy_(TruncatedNormal(p.shape, 0.02));
        }
        return d;
    }

    // Normal draws of sd `sd`, each beyond two sd drawn again (TensorFlow's truncated_normal_initializer); TorchSharp
    // 0.107's nn.init.trunc_normal_ left the weights near 0 here, so the rejection is done in the open.
    private static Tensor TruncatedNormal(long[] shape, double sd)
    {
        using var scope = NewDisposeScope();
        using var scale = sd.ToScalar();
        using var bound = (2 * sd).ToScalar();
        var t = randn(shape).mul(scale);
        for (var round = 0; round < 100; round++)
        {
            var outside = t.abs().gt(bound);
            if (!outside.any().item<bool>()) break;
            t = where(outside, randn(shape).mul(scale), t);
        }
        return t.MoveToOuterDisposeScope();
    }

    /// <summary>D's decision threshold: its output above it means "source".</summary>
    internal static double Threshold(AdversarialLoss loss) => loss == AdversarialLoss.LeastSquares ? 0.5 : 0;

    // The losses below make no implicit Scalar (TorchSharp 0.107 lets a finalizer free those during the native call;
    // docs/torchsharp.md, "Scalars"): means of squares are mse_loss against constant tensors, averages are stack().mean().
    private static Tensor DiscriminatorLoss(AdversarialLoss kind, Tensor sourceOut, Tensor targetOut) => kind == AdversarialLoss.LeastSquares
        ? stack([nn.functional.mse_loss(sourceOut, ones_like(sourceOut)), nn.functional.mse_loss(targetOut, zeros_like(targetOut))]).mean()
        : stack([nn.functional.binary_cross_entropy_with_logits(sourceOut, ones_like(sourceOut)),
                 nn.functional.binary_cross_entropy_with_logits(targetOut, zeros_like(targetOut))]).mean();

    // The inverted label: Mt wants its target features scored as source.
    private static Tensor FoolingLoss(AdversarialLoss kind, Tensor targetOut) => kind == AdversarialLoss.LeastSquares
        ? nn.functional.mse_loss(targetOut, ones_like(targetOut))
        : nn.functional.binary_cross_entropy_with_logits(targetOut, ones_like(targetOut));

    // weight · fooling loss (+ ½ Σ (T(Mt(x_t)) − y_t)² with target supervision), every Scalar explicit and held.
    private static Tensor TargetEncoderLoss(RbpAddaOptions options, Tensor fooling, Func<(Tensor Predicted, Tensor Labels)> supervised)
    {
        using var weight = options.AdversarialWeight.ToScalar();
        var terms = new List<Tensor> { fooling.mul(weight) };
        if (options.TargetSupervision)
        {
            using var half = 0.5.ToScalar();
            var (predicted, labels) = supervised();
            terms.Add(nn.functional.mse_loss(predicted, labels, nn.Reduction.Sum).mul(half));
        }
        return stack(terms).sum();
    }

    /// <summary>
    /// Returns D's balanced held-out accuracy (Ms(source test) = 1, Mt(target test) = 0) after the D-only warm-up and
    /// at the end, and D's mean training accuracy over the first and the last tenth of the adversarial iterations.
    /// </summary>
    private static (double Before, double After, double First, double Last) Adapt(RbpAddaRun run, INetwork discriminator)
    {
        var options = run.Options;
        var optimizerD = run.Track("discriminator", new ScalarSafe.Adam(discriminator.Module.parameters(), options.DiscriminatorLearningRate, beta1: options.AdversarialBeta1));
        var optimizerMt = run.Track("target-encoder", new ScalarSafe.Adam(run.TargetEncoder.Module.parameters(), options.TargetEncoderLearningRate, beta1: options.AdversarialBeta1));
        var sourceBatches = new BatchCycler(run.Source.Train.Count, options.BatchSize, options.Seed, "rbpadda/adapt/source");
        var targetBatches = new BatchCycler(run.Target.Train.Count, options.BatchSize, options.Seed, "rbpadda/adapt/target");
        var threshold = Threshold(options.AdversarialLoss);
        var monitor = new CollapseMonitor(options.CollapseWindow);
        var window = Math.Max(1, options.AdversarialIterations / 10);
        double first = 0, last = 0, before = 0;
        var total = options.DiscriminatorWarmup + options.AdversarialIterations;
        var report = Math.Max(1, options.AdversarialIterations / 4);
        double windowAccuracy = 0, windowMt = 0;
        for (var step = 0; step < total; step++)
        {
            var it = step - options.DiscriminatorWarmup;
            if (it == 0) before = run.HeldOutAccuracy(discriminator, threshold);
            run.Cancellation.ThrowIfCancellationRequested();
            // Modes are set every iteration: the held-out measurement puts every network into evaluation mode.
            run.SourceEncoder.Module.eval();
            run.Predictor.Module.eval();
            run.TargetEncoder.Module.train();
            discriminator.Module.train();
            using var scope = NewDisposeScope();
            var sourceIndices = sourceBatches.Next();
            var targetIndices = targetBatches.Next();
            var xs = run.TrainingBatch(run.Source.Train, sourceIndices);
            var xt = run.TrainingBatch(run.Target.Train, targetIndices);

            // D: Ms(source) → 1, Mt(target) → 0, on detached features (only D learns from this loss).
            var fs = RbpAddaRun.Features(run.SourceEncoder, xs);
            var ft = RbpAddaRun.Features(run.TargetEncoder, xt);
            double accuracy = 0;
            for (var dStep = 0; dStep < options.DiscriminatorSteps; dStep++)
            {
                var outS = discriminator.Forward([fs]);
                var outT = discriminator.Forward([ft]);
                if (dStep == 0)
                    using (no_grad())
                    {
                        using var th = threshold.ToScalar();
                        accuracy = (outS.gt(th).sum().item<long>() + outT.le(th).sum().item<long>()) / (double)(outS.shape[0] + outT.shape[0]);
                    }
                RbpAddaRun.Step(optimizerD, DiscriminatorLoss(options.AdversarialLoss, outS, outT), "adaptation (discriminator)");
            }
            if (it < 0) continue; // warm-up: D only
            if (it < window) first += accuracy / window;
            if (it >= options.AdversarialIterations - window) last += accuracy / window;
            windowAccuracy += accuracy;
            if (monitor.Add(it, accuracy) is { } warning) run.Log(warning);

            // Mt: fool D (inverted label), plus the target regression term through the frozen T.
            var featuresT = run.TargetEncoder.Forward([xt]);
            var lossMt = TargetEncoderLoss(options, FoolingLoss(options.AdversarialLoss, discriminator.Forward([featuresT])),
                () => (run.Predictor.Forward([featuresT]), run.Target.Train.LabelBatch(targetIndices)));
            windowMt += RbpAddaRun.Step(optimizerMt, lossMt, "adaptation (target encoder)");
            if ((it + 1) % report == 0 || it + 1 == options.AdversarialIterations)
            {
                var count = it % report + 1;
                run.Log($"rbp-adda stage 2: iteration {it + 1}/{options.AdversarialIterations}, D training accuracy {windowAccuracy / count:F3}, Mt loss {windowMt / count:F4}");
                windowAccuracy = windowMt = 0;
            }
        }
        run.TargetEncoder.Module.eval();
        return (before, run.HeldOutAccuracy(discriminator, threshold), first, last);
    }

    /// <summary>
    /// Domain separability of the current features: a fresh discriminator (same initial weights every time) is
    /// trained on Ms(source train) = 1 against Mt(target train) = 0 and scored on the held-out parts (balanced
    /// accuracy; 0.5 = the domains are indistinguishable). The generator is put back, so the probe changes nothing.
    /// </summary>
    private double ProbeAccuracy(RbpAddaRun run)
    {
        var options = run.Options;
        var rng = get_rng_state();
        try
        {
            manual_seed((long)((options.Seed ^ 0x9E3779B97F4A7C15UL) & long.MaxValue));
            using var probe = createHead(ProbeHidden);
            using var optimizer = new ScalarSafe.Adam(probe.Module.parameters(), options.ProbeLearningRate);
            var sourceBatches = new BatchCycler(run.Source.Train.Count, options.BatchSize, options.Seed, "rbpadda/probe/source");
            var targetBatches = new BatchCycler(run.Target.Train.Count, options.BatchSize, options.Seed, "rbpadda/probe/target");
            probe.Module.train();
            for (var it = 0; it < options.ProbeIterations; it++)
            {
                using var scope = NewDisposeScope();
                var fs = RbpAddaRun.Features(run.SourceEncoder, run.TrainingBatch(run.Source.Train, sourceBatches.Next(), augment: false));
                var ft = RbpAddaRun.Features(run.TargetEncoder, run.TrainingBatch(run.Target.Train, targetBatches.Next(), augment: false));
                var labels = cat([ones([fs.shape[0], 1]), zeros([ft.shape[0], 1])], 0);
                var loss = nn.functional.binary_cross_entropy_with_logits(probe.Forward([cat([fs, ft], 0)]), labels);
                // A measurement, not part of the model: a diverging probe is not an error of the run.
                optimizer.zero_grad();
                loss.backward();
                optimizer.step();
            }
            return run.HeldOutAccuracy(probe, Threshold(AdversarialLoss.Logistic));
        }
        finally
        {
            set_rng_state(rng);
            rng.Dispose();
        }
    }
}
