using RbpPipeline.Trainer.Training;
using RbpPipeline.Trainer.Training.Optimizers;
using static TorchSharp.torch;

namespace RbpPipeline.Trainer.Adaptation;

/// <summary>
/// Stage 3: T alone fine-tuned on both domains (encoders frozen), alternating a source minibatch through Ms and a
/// target minibatch through Mt.
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
            foreach (var (domain, encoder, batches) in new[] { (run.Source, run.SourceEncoder, sourceBatches), (run.Target, run.TargetEncoder, targetBatches) })
            {
                using var scope = NewDisposeScope();
                var indices = batches.Next();
                var f = RbpAddaRun.Features(encoder, run.TrainingBatch(domain.Train, indices));
                var loss = nn.functional.mse_loss(run.Predictor.Forward([f]), domain.Train.LabelBatch(indices));
                windowLoss += RbpAddaRun.Step(optimizer, loss, "fine-tuning");
            }
            if ((it + 1) % report == 0 || it + 1 == options.FineTuneIterations)
            {
                run.Log($"rbp-adda stage 3: iteration {it + 1}/{options.FineTuneIterations}, training MSE (both domains) {windowLoss / (2 * (it % report + 1)):F4}");
                windowLoss = 0;
            }
        }
    }
}
