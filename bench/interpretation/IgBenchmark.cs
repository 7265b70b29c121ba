using System.Diagnostics;
using System.Globalization;
using RbpPipeline.Contracts.SequenceEncoding;
using RbpPipeline.InferenceServer.Observability;

namespace RbpPipeline.Bench.Interpretation;

/// <summary>
/// Integrated gradients (50 Gauss–Legendre steps, zeros baseline) of the same sequences through the server
/// (gradient.onnx) and through libtorch autograd in this process, in alternating rounds, plus the largest difference
/// between the two results.
/// </summary>
public sealed class IgBenchmark(ServedInterpretation served, ServerMetrics metrics, BenchModel model, BenchOptions options, TextWriter log)
{
    public const int Steps = 50;

    /// <summary>Sequences per libtorch pass and per server response: 64 × 50 = 3,200 path points each.</summary>
    public const int Chunk = 64;

    /// <param name="ServerOrtShare">Share of the server rounds' wall time spent inside ONNX Runtime runs.</param>
    public sealed record Result(double ServerPerSecond, double TorchPerSecond, double MaxAbsDifference, double MaxAbsAttribution, int Sequences,
        double ServerOrtShare)
    {
        public double Ratio => ServerPerSecond / TorchPerSecond;
    }

    private double _serverWallSeconds;
    private double _serverOrtSeconds;

    public async Task<Result> RunAsync(CancellationToken ct)
    {
        var sequences = model.TestSequences().Take(options.Sequences).ToList();
        using var torch = new TorchIntegratedGradients(model.CheckpointFolder, Steps);
        var encoder = new SequenceEncoder(torch.Encoding);
        var warmUp = sequences.Take(Chunk).ToList();
        await served.IntegratedGradientsAsync(warmUp, Steps, Chunk, ct); // JIT, connection, session arenas
        ExplainWithTorch(torch, encoder, warmUp);

        var serverRates = new List<double>();
        var torchRates = new List<double>();
        List<float[]> servedMaps = [], torchMaps = [];
        for (var round = 0; round < options.Rounds; round++)
        {
            // Alternate which engine goes first, so a slow phase of the shared machine does not always hit the same one.
            var serverFirst = round % 2 == 0;
            if (!serverFirst) torchMaps = TimeTorch(torch, encoder, sequences, torchRates, round);
            servedMaps = await TimeServerAsync(sequences, serverRates, round, ct);
            if (serverFirst) torchMaps = TimeTorch(torch, encoder, sequences, torchRates, round);
        }
        var (difference, scale) = Compare(servedMaps, torchMaps);
        return new Result(Median(serverRates), Median(torchRates), difference, scale, sequences.Count, _serverOrtSeconds / _serverWallSeconds);
    }

    private async Task<List<float[]>> TimeServerAsync(List<string> sequences, List<double> rates, int round, CancellationToken ct)
    {
        var counters = ServerCounters.Read(metrics);
        var clock = Stopwatch.StartNew();
        var maps = await served.IntegratedGradientsAsync(sequences, Steps, Chunk, ct);
        rates.Add(Report("server", sequences.Count, clock.Elapsed, round));
        _serverWallSeconds += clock.Elapsed.TotalSeconds;
        _serverOrtSeconds += (ServerCounters.Read(metrics) - counters).RunSeconds;
        return maps;
    }

    private List<float[]> TimeTorch(TorchIntegratedGradients torch, SequenceEncoder encoder, List<string> sequences, List<double> rates, int round)
    {
        var clock = Stopwatch.StartNew();
        var maps = ExplainWithTorch(torch, encoder, sequences);
        rates.Add(Report("libtorch", sequences.Count, clock.Elapsed, round));
        return maps;
    }

    /// <summary>Encoding is timed too: the server encodes the raw sequences it is sent.</summary>
    private static List<float[]> ExplainWithTorch(TorchIntegratedGradients torch, SequenceEncoder encoder, List<string> sequences)
    {
        var maps = new List<float[]>(sequences.Count);
        foreach (var chunk in sequences.Chunk(Chunk))
        {
            var attributions = torch.Explain(encoder.EncodeBatch(chunk), chunk.Length);
            var record = attributions.Length / chunk.Length;
            for (var r = 0; r < chunk.Length; r++) maps.Add(attributions.AsSpan(r * record, record).ToArray());
        }
        return maps;
    }

    private double Report(string engine, int count, TimeSpan elapsed, int round)
    {
        var rate = count / elapsed.TotalSeconds;
        log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"# IG round {round + 1}: {engine,-8} {count} sequences in {elapsed.TotalSeconds:F2} s = {rate:F1} seq/s"));
        return rate;
    }

    private static (double MaxDifference, double MaxMagnitude) Compare(List<float[]> served, List<float[]> torch)
    {
        if (served.Count != torch.Count) throw new InvalidOperationException($"the server returned {served.Count} maps for {torch.Count} sequences");
        double difference = 0, magnitude = 0;
        for (var s = 0; s < served.Count; s++)
            for (var i = 0; i < served[s].Length; i++)
            {
                difference = Math.Max(difference, Math.Abs(served[s][i] - torch[s][i]));
                magnitude = Math.Max(magnitude, Math.Abs(torch[s][i]));
            }
        return (difference, magnitude);
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
