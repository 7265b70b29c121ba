namespace RbpPipeline.Trainer.Metrics;

public static class Ranking
{
    /// <summary>1-based ranks; tied values all get the mean of the ranks they span (scipy's rankdata 'average').</summary>
    public static double[] AverageRanks(ReadOnlySpan<double> values)
    {
        var order = SortedOrder(values);
        var ranks = new double[values.Length];
        for (var start = 0; start < order.Length;)
        {
            var end = start + 1;
            while (end < order.Length && values[order[end]] == values[order[start]]) end++;
            var rank = (start + 1 + end) / 2.0; // mean of start+1 .. end
            for (var k = start; k < end; k++) ranks[order[k]] = rank;
            start = end;
        }
        return ranks;
    }

    /// <summary>Indices ordering <paramref name="values"/> ascending (stable).</summary>
    internal static int[] SortedOrder(ReadOnlySpan<double> values, bool descending = false)
    {
        var keys = values.ToArray();
        var order = Enumerable.Range(0, keys.Length).ToArray();
        Array.Sort(order, (a, b) =>
        {
            var c = descending ? keys[b].CompareTo(keys[a]) : keys[a].CompareTo(keys[b]);
            return c != 0 ? c : a.CompareTo(b);
        });
        return order;
    }
}
