namespace RbpPipeline.Trainer.Metrics;

/// <summary>The metrics of one task; those that do not apply to the task's kind are NaN.</summary>
public sealed record TaskMetrics(string Task, int Count, double Auroc, double AveragePrecision, double Pearson, double Spearman, double MeanSquaredError);

/// <summary>Per-task metrics and their macro means (each task counts once, whatever its size).</summary>
public sealed record MetricReport(IReadOnlyList<TaskMetrics> Tasks)
{
    /// <summary>Mean over the tasks where the metric is defined (a task with one class has no AUROC).</summary>
    public double MacroAuroc => MacroMean(t => t.Auroc);

    public double MacroAveragePrecision => MacroMean(t => t.AveragePrecision);

    public double MacroPearson => MacroMean(t => t.Pearson);

    public double MacroSpearman => MacroMean(t => t.Spearman);

    public double MacroMeanSquaredError => MacroMean(t => t.MeanSquaredError);

    private double MacroMean(Func<TaskMetrics, double> metric)
    {
        var defined = Tasks.Select(metric).Where(v => !double.IsNaN(v)).ToArray();
        return defined.Length == 0 ? double.NaN : defined.Average();
    }
}

public enum TaskKind
{
    /// <summary>0/1 labels, scores ranked: AUROC and average precision.</summary>
    Binary,

    /// <summary>Real-valued labels: Pearson, Spearman, MSE.</summary>
    Regression,
}

/// <summary>Evaluates predictions of several tasks at once.</summary>
public static class MultiTaskMetrics
{
    /// <param name="labels">[sample][task]; NaN marks a missing label, left out of that task only.</param>
    /// <param name="predictions">[sample][task], same shape.</param>
    public static MetricReport Evaluate(IReadOnlyList<string> taskNames, TaskKind kind,
        IReadOnlyList<IReadOnlyList<double>> labels, IReadOnlyList<IReadOnlyList<double>> predictions)
    {
        ArgumentNullException.ThrowIfNull(taskNames);
        if (labels.Count != predictions.Count)
            throw new ArgumentException($"{labels.Count} label rows but {predictions.Count} prediction rows");
        var results = new List<TaskMetrics>(taskNames.Count);
        for (var task = 0; task < taskNames.Count; task++)
        {
            List<double> y = [], p = [];
            for (var i = 0; i < labels.Count; i++)
            {
                if (labels[i].Count != taskNames.Count || predictions[i].Count != taskNames.Count)
                    throw new ArgumentException($"row {i} does not have {taskNames.Count} values (one per task)");
                if (double.IsNaN(labels[i][task])) continue;
                y.Add(labels[i][task]);
                p.Add(predictions[i][task]);
            }
            results.Add(Evaluate(taskNames[task], kind, y.ToArray(), p.ToArray()));
        }
        return new MetricReport(results);
    }

    private static TaskMetrics Evaluate(string task, TaskKind kind, double[] y, double[] p)
    {
        if (kind == TaskKind.Binary)
        {
            return new TaskMetrics(task, y.Length, ClassificationMetrics.AreaUnderRoc(y, p),
                ClassificationMetrics.AveragePrecision(y, p), double.NaN, double.NaN, double.NaN);
        }
        return y.Length < 2
            ? new TaskMetrics(task, y.Length, double.NaN, double.NaN, double.NaN, double.NaN, y.Length == 1 ? RegressionMetrics.MeanSquaredError(p, y) : double.NaN)
            : new TaskMetrics(task, y.Length, double.NaN, double.NaN, RegressionMetrics.Pearson(p, y),
                RegressionMetrics.Spearman(p, y), RegressionMetrics.MeanSquaredError(p, y));
    }
}
