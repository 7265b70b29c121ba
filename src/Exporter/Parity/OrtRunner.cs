using Microsoft.ML.OnnxRuntime;
using RbpPipeline.Onnx.Runtime;

namespace RbpPipeline.Exporter.Parity;

/// <summary>A named float32 tensor (row-major) passed to or returned from a graph.</summary>
public sealed record NamedTensor(string Name, float[] Data, long[] Shape);

/// <summary>Runs a serialized ONNX model once on CPU with ONNX Runtime (what the parity gate and the tests need).</summary>
public sealed class OrtRunner : IDisposable
{
    private readonly InferenceSession _session;

    public OrtRunner(byte[] model, int intraOpThreads = 0)
    {
        NativeEnvironment.Prepare();
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        if (intraOpThreads > 0) options.IntraOpNumThreads = intraOpThreads;
        _session = new InferenceSession(model, options);
    }

    public InferenceSession Session => _session;

    public IReadOnlyDictionary<string, float[]> Run(IReadOnlyList<NamedTensor> inputs, IReadOnlyList<string> outputs)
    {
        var values = new List<OrtValue>();
        try
        {
            foreach (var input in inputs) values.Add(OrtValue.CreateTensorValueFromMemory(input.Data, input.Shape));
            using var options = new RunOptions();
            using var results = _session.Run(options, [.. inputs.Select(i => i.Name)], values, [.. outputs]);
            var map = new Dictionary<string, float[]>(StringComparer.Ordinal);
            for (var i = 0; i < outputs.Count; i++) map[outputs[i]] = results[i].GetTensorDataAsSpan<float>().ToArray();
            return map;
        }
        finally
        {
            foreach (var v in values) v.Dispose();
        }
    }

    public void Dispose() => _session.Dispose();
}
