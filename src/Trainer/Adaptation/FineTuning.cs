using RbpPipeline.Trainer.Training;
using RbpPipeline.Trainer.Training.Optimizers;
using static TorchSharp.torch;

namespace RbpPipeline.Trainer.Adaptation;

/// <summary>
/// Stage 3: T alone fine-tuned on both domains (encoders frozen): each step minimises the sum of a source minibatch's
/// MSE through Ms and a target minibatch's through Mt (one optimiser step on both, as the reference does).
/// </summary>
internal sealed class FineTuning : IRbpAddaStage
{
    public int Number => 3;

    public string Run(RbpAddaRun run)
    {
        Train(run);
        run.Stages.Add(run.Measure("finetune"));
        return $"rbp-adda stage 3 (fine-tuning): {RbpAddaTrainer.Describe(run.Stages[^1], run.Source, run.Target)}";
    }

    private static void Train(RbpAddaRun run)
    {
        var options = run.Options;
        if (options.FineTuneIterations == 0) return;
        var optimizer = run.Track("finetune", new ScalarSafe.Adam(run.Predictor.Module.parameters(), options.FineTuneLearningRate));
        var report = Math.Max(1, options.FineTuneIterations / 4);
        double windowLoss = 0;
        var sourceBatches = new BatchCycler(run.Source.Train.Count, options.BatchSize, options.Seed, "rbpadda/finetune/source");
        var targetBatches = new BatchCycler(run.Target.Train.Count, options.BatchSize, options.Seed, "rbpadda/finetune/target");
        run.SourceEncoder.Module.eval();
        run.TargetEncoder.Module.eval();
        run.Predictor.Module.train();
        for (var it = 0; it < options.FineTuneIterations; it++)
        {
            run.Cancellation.ThrowIfCancellationRequested();
            using (var scope = NewDisposeScope())
            {
                var sourceIndices = sourceBatches.Next();
                var targetIndices = targetBatches.Next();
                var fs = RbpAddaRun.Features(run.SourceEncoder, run.TrainingBatch(run.Source.Train, sourceIndices));
                var ft = RbpAddaRun.Features(run.TargetEncoder, run.TrainingBatch(run.Target.Train, targetIndices));
                // stack().sum() rather than "+", whose hidden alpha is an implicit Scalar (docs/torchsharp.md).
                var loss = stack([nn.functional.mse_loss(run.Predictor.Forward([fs]), run.Source.Train.LabelBatch(sourceIndices)),
                                  nn.functional.mse_loss(run.Predictor.Forward([ft]), run.Target.Train.LabelBatch(targetIndices))]).sum();
                windowLoss += RbpAddaRun.Step(optimizer, loss, "fine-tuning");
            }
            if ((it + 1) % report == 0 || it + 1 == options.FineTuneIterations)
            {
                run.Log($"rbp-adda stage 3: iteration {it + 1}/{options.FineTuneIterations}, training MSE (source + target) {windowLoss / (it % report + 1):F4}");
                windowLoss = 0;
            }
        }
    }
}
