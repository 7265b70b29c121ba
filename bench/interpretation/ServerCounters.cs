using System.Globalization;
using RbpPipeline.InferenceServer.Observability;

namespace RbpPipeline.Bench.Interpretation;

/// <summary>
/// The server's own ONNX Runtime counters (seconds inside runs, rows run), summed over the forward and gradient
/// batchers. The difference of two snapshots around a call splits its wall time into ONNX Runtime work and
/// everything else (encoding, filling batches, reducing, gRPC), and gives ORT's throughput under the load the call
/// itself ran in — on a shared machine a floor measured before the call can be stale by the time the call ends.
/// </summary>
public readonly record struct ServerCounters(double RunSeconds, double Rows)
{
    private const string RunSecondsSum = "rbp_inference_run_seconds_sum";
    private const string PredictedRows = "rbp_predicted_rows_total";

    public static ServerCounters Read(ServerMetrics metrics)
    {
        double seconds = 0, rows = 0;
        foreach (var line in metrics.Render().Split('\n'))
        {
            if (line.StartsWith(RunSecondsSum, StringComparison.Ordinal)) seconds += Value(line);
            else if (line.StartsWith(PredictedRows, StringComparison.Ordinal)) rows += Value(line);
        }
        return new ServerCounters(seconds, rows);
    }

    public static ServerCounters operator -(ServerCounters after, ServerCounters before) =>
        new(after.RunSeconds - before.RunSeconds, after.Rows - before.Rows);

    /// <summary>Rows per second of ONNX Runtime run time.</summary>
    public double RowsPerRunSecond => RunSeconds > 0 ? Rows / RunSeconds : double.NaN;

    private static double Value(string line) => double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
}
