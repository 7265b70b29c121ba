using RbpPipeline.Trainer.Data;
using RbpPipeline.Trainer.Networks;
using RbpPipeline.Trainer.Training.Optimizers;
using static TorchSharp.torch;

namespace RbpPipeline.Trainer.Adaptation;

/// <summary>
/// Stage 1: Ms and T trained together on the source domain (MSE, Adam, shuffled epochs; a last batch of one record is
/// dropped, as batch normalisation needs two); then Mt starts as a copy of Ms.
/// </summary>
internal sealed class SourcePretraining : IRbpAddaStage
{
    public int Number => 1;

    public string Run(RbpAddaRun run)
    {
        var options = run.Options;
        var source = run.Source;
        var parameters = run.SourceEncoder.Module.parameters().Concat(run.Predictor.Module.parameters()).ToList();
        var optimizer = run.Track("source", new ScalarSafe.Adam(parameters, options.SourceLearningRate));
        run.SourceEncoder.Module.train();
        run.Predictor.Module.train();
        var n = source.Train.Count;
        for (var epoch = 0; epoch < options.SourceEpochs; epoch++)
        {
            var order = Enumerable.Range(0, n).ToArray();
            DeterministicRandom.For(options.Seed, $"rbpadda/source/{epoch}").Shuffle(order);
            double lossSum = 0;
            var steps = 0;
            for (var start = 0; start < n; start += options.BatchSize)
            {
                run.Cancellation.ThrowIfCancellationRequested();
                var size = Math.Min(options.BatchSize, n - start);
                if (size < 2) break;
                using var scope = NewDisposeScope();
                var indices = order.AsSpan(start, size);
                var x = run.TrainingBatch(source.Train, indices);
                var y = source.Train.LabelBatch(indices);
                var loss = nn.functional.mse_loss(run.Predictor.Forward([run.SourceEncoder.Forward([x])]), y);
                lossSum += RbpAddaRun.Step(optimizer, loss, "source pre-training");
                steps++;
            }
            run.Log($"rbp-adda stage 1: epoch {epoch + 1}/{options.SourceEpochs}, training MSE {lossSum / Math.Max(1, steps):F4}");
        }

        // state_dict() hands out the source's own tensors; load_state_dict copies their values.
        run.TargetEncoder.Module.load_state_dict(run.SourceEncoder.Module.state_dict());
        run.Stages.Add(run.Measure("pretrain"));
        return $"rbp-adda stage 1 (source pre-training): {RbpAddaTrainer.Describe(run.Stages[^1], run.Source, run.Target)}";
    }
}
