using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;

namespace RbpPipeline.Bench.Interpretation;

/// <summary>
/// The GIA floor's denominator: forward throughput of the published model.onnx in an in-process ONNX Runtime
/// session with the server's session options (all graph optimisations, sequential, one inter-op thread, the same
/// intra-op threads), on pre-encoded random one-hot input, so nothing but ORT's own work is timed.
/// </summary>
public static class ForwardFloor
{
    /// <summary>Sequences per second at each batch size.</summary>
    public static Dictionary<int, double> Measure(string modelPath, int length, int threads, IReadOnlyList<int> batches, double seconds)
    {
        using var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            InterOpNumThreads = 1,
            IntraOpNumThreads = threads,
        };
        using var session = new InferenceSession(modelPath, options);
        var rates = new Dictionary<int, double>();
        foreach (var batch in batches) rates[batch] = SequencesPerSecond(session, RandomOneHot(batch, length, seed: batch), batch, length, seconds);
        return rates;
    }

    private static double SequencesPerSecond(InferenceSession session, float[] input, int batch, int length, double seconds)
    {
        var inputName = session.InputNames[0];
        using var runOptions = new RunOptions();
        void Run()
        {
            using var value = OrtValue.CreateTensorValueFromMemory(input, [batch, 4, length]);
            using var outputs = session.Run(runOptions, [inputName], [value], session.OutputNames);
        }
        Run(); // warm-up: first-run allocations and kernel selection
        Run();
        var clock = Stopwatch.StartNew();
        long calls = 0;
        while (clock.Elapsed.TotalSeconds < seconds || calls < 3)
        {
            Run();
            calls++;
        }
        return calls * batch / clock.Elapsed.TotalSeconds;
    }

    private static float[] RandomOneHot(int rows, int length, int seed)
    {
        var random = new Random(seed);
        var x = new float[rows * 4 * length];
        for (var r = 0; r < rows; r++)
            for (var p = 0; p < length; p++) x[(r * 4 + random.Next(4)) * length + p] = 1f;
        return x;
    }
}
