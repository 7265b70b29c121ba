using RbpPipeline.Trainer.Networks;
using RbpPipeline.Trainer.Training.Optimizers;
using static TorchSharp.torch;

namespace RbpPipeline.Trainer.Adaptation;

/// <summary>
/// Stage 2: adversarial adaptation. Mt starts as Ms (stage 1); per iteration the discriminator D learns Ms(source) = 1
/// against Mt(target) = 0, then Mt is updated with the inverted label to fool D; Ms stays frozen. Skipped (Mt = Ms)
/// without ADDA or with no adversarial iterations. Before and after, a fresh probe discriminator measures how
/// separable the domains' features are (<see cref="AdaptationFigures"/>).
/// </summary>
/// <param name="createDiscriminator">A new rbpadda-discriminator (D and the probes are the same network).</param>
internal sealed class AdversarialAdaptation(Func<INetwork> createDiscriminator) : IRbpAddaStage
{
    public int Number => 2;

    public string Run(RbpAddaRun run)
    {
        var options = run.Options;
        if (options.SkipAdaptation || options.AdversarialIterations <= 0) return "rbp-adda stage 2 skipped (without ADDA): Mt = Ms";
        double? probeBefore = options.ProbeIterations > 0 ? ProbeAccuracy(run) : null;
        run.Discriminator = createDiscriminator();
        var (before, after, first, last) = Adapt(run, run.Discriminator);
        double? probeAfter = options.ProbeIterations > 0 ? ProbeAccuracy(run) : null;
        var f = run.Adaptation = new AdaptationFigures(before, after, first, last, probeBefore, probeAfter);
        run.Stages.Add(run.Measure("adapt"));
        return $"rbp-adda stage 2 (adaptation): {RbpAddaTrainer.Describe(run.Stages[^1], run.Source, run.Target)}; " +
            $"D held-out accuracy {f.DiscriminatorBefore:F3} → {f.DiscriminatorAfter:F3}, D training accuracy {f.DiscriminatorFirst:F3} (first tenth) → " +
            $"{f.DiscriminatorLast:F3} (last tenth); fresh-probe accuracy {f.ProbeBefore:F3} → {f.ProbeAfter:F3}";
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
        run.SourceEncoder.Module.eval();
        run.TargetEncoder.Module.train();
        discriminator.Module.train();
        var window = Math.Max(1, options.AdversarialIterations / 10);
        double first = 0, last = 0, before = 0;
        var total = options.DiscriminatorWarmup + options.AdversarialIterations;
        var report = Math.Max(1, options.AdversarialIterations / 4);
        double windowAccuracy = 0, windowMt = 0;
        for (var step = 0; step < total; step++)
        {
            var it = step - options.DiscriminatorWarmup;
            if (it == 0)
            {
                before = run.HeldOutAccuracy(discriminator);
                discriminator.Module.train();
            }
            run.Cancellation.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            var xs = run.TrainingBatch(run.Source.Train, sourceBatches.Next());
            var xt = run.TrainingBatch(run.Target.Train, targetBatches.Next());

            // D: Ms(source) → 1, Mt(target) → 0.
            var fs = RbpAddaRun.Features(run.SourceEncoder, xs);
            var ft = RbpAddaRun.Features(run.TargetEncoder, xt);
            var features = cat([fs, ft], 0);
            var labels = cat([ones([fs.shape[0], 1]), zeros([ft.shape[0], 1])], 0);
            double accuracy = 0;
            for (var dStep = 0; dStep < options.DiscriminatorSteps; dStep++)
            {
                var logits = discriminator.Forward([features]);
                var lossD = nn.functional.binary_cross_entropy_with_logits(logits, labels);
                if (dStep == 0)
                    using (no_grad()) accuracy = (logits.detach() > 0).to(ScalarType.Float32).eq(labels).to(ScalarType.Float32).mean().item<float>();
                RbpAddaRun.Step(optimizerD, lossD, "adaptation (discriminator)");
            }
            if (it < 0) continue; // warm-up: D only
            if (it < window) first += accuracy / window;
            if (it >= options.AdversarialIterations - window) last += accuracy / window;
            windowAccuracy += accuracy;

            // Mt: fool D (target features labelled 1).
            var fooled = discriminator.Forward([run.TargetEncoder.Forward([xt])]);
            var lossMt = nn.functional.binary_cross_entropy_with_logits(fooled, ones([xt.shape[0], 1]));
            windowMt += RbpAddaRun.Step(optimizerMt, lossMt, "adaptation (target encoder)");
            if ((it + 1) % report == 0 || it + 1 == options.AdversarialIterations)
            {
                var count = it % report + 1;
                run.Log($"rbp-adda stage 2: iteration {it + 1}/{options.AdversarialIterations}, D training accuracy {windowAccuracy / count:F3}, Mt loss {windowMt / count:F4}");
                windowAccuracy = windowMt = 0;
            }
        }
        run.TargetEncoder.Module.eval();
        return (before, run.HeldOutAccuracy(discriminator), first, last);
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
            using var probe = createDiscriminator();
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
            return run.HeldOutAccuracy(probe);
        }
        finally
        {
            set_rng_state(rng);
            rng.Dispose();
        }
    }
}
