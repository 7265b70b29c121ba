using RbpPipeline.Contracts.Manifests;
using RbpPipeline.Trainer.Metrics;
using RbpPipeline.Trainer.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace RbpPipeline.Trainer.Training;

/// <summary>The figures of one split: the loss (on transformed labels) and each task's metrics on the data's scale.</summary>
/// <param name="Summary">Macro means by name: loss, auroc, aupr, pearson, spearman, mse, accuracy (those that apply).</param>
public sealed record SplitEvaluation(string Split, int Count, double Loss, IReadOnlyList<TaskMetrics> Tasks,
    IReadOnlyDictionary<string, double> Summary, IReadOnlyDictionary<string, double> Accuracy)
{
    /// <summary>A summary figure, NaN when it does not apply.</summary>
    public double Get(string name) => Summary.TryGetValue(name, out var v) ? v : double.NaN;

    /// <summary>The figures as manifest metrics (undefined ones left out: JSON has no NaN).</summary>
    public IEnumerable<MetricValue> ToMetricValues()
    {
        foreach (var (name, value) in Summary.OrderBy(p => p.Key, StringComparer.Ordinal))
            if (double.IsFinite(value)) yield return new MetricValue { Split = Split, Name = name, Value = value };
        foreach (var task in Tasks)
        {
            foreach (var (name, value) in new[] { ("auroc", task.Auroc), ("aupr", task.AveragePrecision), ("pearson", task.Pearson), ("spearman", task.Spearman), ("mse", task.MeanSquaredError) })
                if (double.IsFinite(value)) yield return new MetricValue { Split = Split, Task = task.Task, Name = name, Value = value };
            if (Accuracy.TryGetValue(task.Task, out var accuracy) && double.IsFinite(accuracy))
                yield return new MetricValue { Split = Split, Task = task.Task, Name = "accuracy", Value = accuracy };
        }
    }
}

/// <summary>Prediction in evaluation mode and the metrics of src/Trainer/Metrics over it.</summary>
public static class Evaluation
{
    /// <summary>
    /// Records per batch of eval-mode prediction. Measured with bench/torch-training/eval-sweep.sh (BENCHMARKS.md): at
    /// 1 thread every size from 32 to 1,024 ran within the machine's noise of the others (the slow batch 1,024 once
    /// noted for TorchSharp did not reproduce), and at 2 threads under load sizes ≤ 100 collapsed while ≥ 128 held; 512
    /// is among the fastest everywhere at half the memory of 1,024.
    /// </summary>
    public const int DefaultBatchSize = 512;

    /// <summary>Raw outputs [N, output columns] in evaluation mode (dropout off, batch-norm running statistics).</summary>
    public static float[] Predict(INetwork network, EncodedSplit split, int batchSize = DefaultBatchSize)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(split);
        var wasTraining = network.Module.training;
        network.Module.eval();
        try
        {
            return BatchedPrediction.Run(network, split, batchSize);
        }
        finally
        {
            network.Module.train(wasTraining);
        }
    }

    /// <summary>Predicts <paramref name="split"/> and computes its loss and metrics.</summary>
    public static SplitEvaluation Evaluate(INetwork network, EncodedSplit split, IReadOnlyList<TaskInfo> tasks, LossKind loss,
        float[]? positiveWeights, int batchSize = DefaultBatchSize)
    {
        var outputs = Predict(network, split, batchSize);
        return Score(split, tasks, loss, positiveWeights, outputs);
    }

    /// <summary>The loss and metrics of given raw outputs [N, columns].</summary>
    public static SplitEvaluation Score(EncodedSplit split, IReadOnlyList<TaskInfo> tasks, LossKind loss, float[]? positiveWeights, float[] outputs)
    {
        var columns = outputs.Length / Math.Max(1, split.Count);
        double lossValue;
        using (var scope = NewDisposeScope())
        {
            var output = tensor(outputs, [split.Count, columns]);
            var target = tensor(split.Labels, [split.Count, split.LabelColumns]);
            var weight = positiveWeights is null ? null : tensor(positiveWeights);
            lossValue = split.Count == 0 ? double.NaN : MaskedLoss.Compute(loss, output, target, weight).item<float>();
        }

        var taskMetrics = new List<TaskMetrics>();
        var accuracy = new Dictionary<string, double>(StringComparer.Ordinal);
        var column = 0;
        for (var t = 0; t < tasks.Count; t++)
        {
            var task = tasks[t];
            var labels = new List<IReadOnlyList<double>>(split.Count);
            var predictions = new List<IReadOnlyList<double>>(split.Count);
            if (task.Type == TaskType.Multiclass)
            {
                var k = task.Classes!.Count;
                var (metrics, acc) = Multiclass(task.Name, split, t, outputs, columns, column, k);
                taskMetrics.Add(metrics);
                accuracy[task.Name] = acc;
                column += k;
                continue;
            }
            for (var i = 0; i < split.Count; i++)
            {
                var y = (double)split.RawLabels[i * split.LabelColumns + t];
                var p = (double)outputs[i * columns + column];
                if (task.Type == TaskType.Binary) p = 1 / (1 + Math.Exp(-p));
                else p = task.LabelTransform.Inverse(p);
                labels.Add([y]);
                predictions.Add([p]);
            }
            var kind = task.Type == TaskType.Binary ? TaskKind.Binary : TaskKind.Regression;
            taskMetrics.Add(MultiTaskMetrics.Evaluate([task.Name], kind, labels, predictions).Tasks[0]);
            column++;
        }
        var report = new MetricReport(taskMetrics);
        var summary = new Dictionary<string, double>(StringComparer.Ordinal) { ["loss"] = lossValue };
        if (tasks.Any(t => t.Type != TaskType.Regression))
        {
            summary["auroc"] = report.MacroAuroc;
            summary["aupr"] = report.MacroAveragePrecision;
        }
        if (tasks.Any(t => t.Type == TaskType.Regression))
        {
            summary["pearson"] = report.MacroPearson;
            summary["spearman"] = report.MacroSpearman;
            summary["mse"] = report.MacroMeanSquaredError;
        }
        if (accuracy.Count > 0) summary["accuracy"] = accuracy.Values.Average();
        return new SplitEvaluation(split.Name, split.Count, lossValue, taskMetrics, summary, accuracy);
    }

    // Accuracy, and one-vs-rest AUROC / AP averaged over the classes present.
    private static (TaskMetrics, double) Multiclass(string name, EncodedSplit split, int t, float[] outputs, int columns, int first, int classes)
    {
        int correct = 0, count = 0;
        var labels = new List<double>();
        var rows = new List<int>();
        for (var i = 0; i < split.Count; i++)
        {
            var y = split.RawLabels[i * split.LabelColumns + t];
            if (float.IsNaN(y)) continue;
            var best = 0;
            for (var c = 1; c < classes; c++)
                if (outputs[i * columns + first + c] > outputs[i * columns + first + best]) best = c;
            if (best == (int)y) correct++;
            count++;
            labels.Add(y);
            rows.Add(i);
        }
        List<double> aurocs = [], aps = [];
        for (var c = 0; c < classes; c++)
        {
            var y = labels.Select(l => l == c ? 1.0 : 0.0).ToArray();
            var p = rows.Select(i => (double)outputs[i * columns + first + c]).ToArray();
            var auc = ClassificationMetrics.AreaUnderRoc(y, p);
            var ap = ClassificationMetrics.AveragePrecision(y, p);
            if (!double.IsNaN(auc)) aurocs.Add(auc);
            if (!double.IsNaN(ap)) aps.Add(ap);
        }
        var metrics = new TaskMetrics(name, count, aurocs.Count > 0 ? aurocs.Average() : double.NaN, aps.Count > 0 ? aps.Average() : double.NaN,
            double.NaN, double.NaN, double.NaN);
        return (metrics, count == 0 ? double.NaN : (double)correct / count);
    }
}
