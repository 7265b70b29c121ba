namespace RbpPipeline.Trainer.Metrics;

/// <summary>
/// Ranking metrics for binary labels (0/1), computed as scikit-learn does so that numbers compare with the
/// published ones: samples with equal scores move through the curve together.
/// </summary>
public static class ClassificationMetrics
{
    /// <summary>
    /// Area under the ROC curve by the trapezoid rule over the distinct score thresholds (sklearn's
    /// <c>roc_auc_score</c>); a tie between a positive and a negative counts one half. NaN when only one class occurs.
    /// </summary>
    public static double AreaUnderRoc(ReadOnlySpan<double> labels, ReadOnlySpan<double> scores)
    {
        var (tps, fps) = CumulativeCounts(labels, scores);
        if (tps.Count == 0) return double.NaN;
        double positives = tps[^1], negatives = fps[^1];
        if (positives == 0 || negatives == 0) return double.NaN;
        double area = 0, previousTp = 0, previousFp = 0;
        for (var i = 0; i < tps.Count; i++)
        {
            area += (fps[i] - previousFp) * (tps[i] + previousTp) / 2;
            previousTp = tps[i];
            previousFp = fps[i];
        }
        return area / (positives * negatives);
    }

    /// <summary>
    /// Average precision as sklearn's <c>average_precision_score</c>: Σ (Rₖ − Rₖ₋₁)·Pₖ over the distinct thresholds
    /// from the highest score down, a step function without interpolation. NaN when there is no positive.
    /// </summary>
    public static double AveragePrecision(ReadOnlySpan<double> labels, ReadOnlySpan<double> scores)
    {
        var (tps, fps) = CumulativeCounts(labels, scores);
        if (tps.Count == 0 || tps[^1] == 0) return double.NaN;
        double positives = tps[^1], sum = 0, previousRecall = 0;
        for (var i = 0; i < tps.Count; i++)
        {
            var recall = tps[i] / positives;
            var precision = tps[i] / (tps[i] + fps[i]);
            sum += (recall - previousRecall) * precision;
            previousRecall = recall;
        }
        return sum;
    }

    /// <summary>True and false positives counted down to each distinct score, highest first.</summary>
    private static (List<double> Tps, List<double> Fps) CumulativeCounts(ReadOnlySpan<double> labels, ReadOnlySpan<double> scores)
    {
        if (labels.Length != scores.Length) throw new ArgumentException($"labels and scores differ in length ({labels.Length} vs {scores.Length})");
        foreach (var label in labels)
            if (label is not (0 or 1)) throw new ArgumentException($"binary metrics need labels 0 or 1, found {label}");
        foreach (var score in scores)
            if (double.IsNaN(score)) throw new ArgumentException("scores must not be NaN");
        var order = Ranking.SortedOrder(scores, descending: true);
        List<double> tps = [], fps = [];
        double tp = 0, fp = 0;
        for (var i = 0; i < order.Length; i++)
        {
            if (labels[order[i]] == 1) tp++;
            else fp++;
            var lastOfTie = i == order.Length - 1 || scores[order[i + 1]] != scores[order[i]];
            if (!lastOfTie) continue;
            tps.Add(tp);
            fps.Add(fp);
        }
        return (tps, fps);
    }
}
