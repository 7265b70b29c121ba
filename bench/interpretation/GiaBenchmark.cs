using System.Diagnostics;
using System.Globalization;
using RbpPipeline.InferenceServer.Observability;

namespace RbpPipeline.Bench.Interpretation;

/// <summary>
/// A GIA 6-mer scan at the centre over dinucleotide shuffles of reference sequences, timed end to end through the
/// server, against its floor: 4⁶ × backgrounds predictions at the best in-process forward throughput of model.onnx
/// with the same intra-op threads. The forward throughput is measured just before and just after the scan and
/// averaged, because the machine is shared and its load drifts over a several-minute scan.
/// </summary>
public sealed class GiaBenchmark(ServedInterpretation served, ServerMetrics metrics, BenchModel model, BenchOptions options, TextWriter log)
{
    public const int K = 6;
    public const int ReferenceSequences = 1000;
    private static readonly int[] FloorBatches = [256, 1024];

    public static int Position => (BenchModel.Length - K) / 2;

    public sealed record Result(
        IReadOnlyDictionary<int, double> ForwardBefore, IReadOnlyDictionary<int, double> ForwardAfter,
        int Backgrounds, long Predictions, double WallSeconds, ServerCounters Server, string TopKmer)
    {
        /// <summary>The best batch size's throughput, averaged over the two measurements.</summary>
        public double BestForward => (ForwardBefore.Values.Max() + ForwardAfter.Values.Max()) / 2;

        public double FloorSeconds => Predictions / BestForward;

        public double Ratio => WallSeconds / FloorSeconds;
    }

    public async Task<Result> RunAsync(CancellationToken ct)
    {
        var reference = model.TrainingSequences().Take(ReferenceSequences).ToList();
        // A small scan first, so that JIT and the session's first large runs are not in the timed one.
        await served.KmerScanAsync(4, Position, reference, 20, ct);
        var before = MeasureForward("before");
        var predictions = (long)Math.Pow(4, K) * options.Backgrounds;
        log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"# GIA: {predictions:N0} predictions, floor ≈ {predictions / before.Values.Max():F0} s"));
        var counters = ServerCounters.Read(metrics);
        var clock = Stopwatch.StartNew();
        var (top, backgrounds, conditions) = await served.KmerScanAsync(K, Position, reference, options.Backgrounds, ct);
        var wall = clock.Elapsed.TotalSeconds;
        var server = ServerCounters.Read(metrics) - counters;
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"# GIA: {conditions} conditions × {backgrounds} backgrounds in {wall:F1} s (ONNX Runtime busy {server.RunSeconds:F1} s, {server.RowsPerRunSecond:F0} rows/s); top 6-mer {top}"));
        if (backgrounds != options.Backgrounds)
            log.WriteLine($"# GIA: the server used {backgrounds} backgrounds, not the {options.Backgrounds} asked for");
        var after = MeasureForward("after");
        return new Result(before, after, backgrounds, (long)Math.Pow(4, K) * backgrounds, wall, server, top);
    }

    private Dictionary<int, double> MeasureForward(string when)
    {
        var rates = ForwardFloor.Measure(model.ModelOnnx, BenchModel.Length, options.Threads, FloorBatches, options.FloorSeconds);
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"# GIA: forward {when} the scan: {string.Join(", ", rates.Select(f => $"batch {f.Key}: {f.Value:F0} seq/s"))}"));
        return rates;
    }
}
