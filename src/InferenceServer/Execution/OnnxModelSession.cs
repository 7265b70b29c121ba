using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using RbpPipeline.Onnx.Runtime;

namespace RbpPipeline.InferenceServer.Execution;

/// <summary>
/// One ONNX Runtime session over a float32 graph whose inputs and outputs have a leading batch dimension.
/// <see cref="Run"/> may be called from several threads at once (ORT sessions are safe for concurrent runs);
/// a run is cancelled by setting <see cref="RunOptions.Terminate"/> on its options.
/// </summary>
public sealed class OnnxModelSession : IDisposable
{
    private readonly InferenceSession _session;

    internal OnnxModelSession(InferenceSession session, ExecutionProviderChoice provider)
    {
        _session = session;
        Provider = provider;
        InputNames = [.. session.InputNames];
        OutputNames = [.. session.OutputNames];
        InputShapes = session.InputMetadata.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<int>)kv.Value.Dimensions, StringComparer.Ordinal);
        OutputShapes = session.OutputMetadata.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<int>)kv.Value.Dimensions, StringComparer.Ordinal);
        InputTypes = session.InputMetadata.ToDictionary(kv => kv.Key, kv => kv.Value.ElementDataType, StringComparer.Ordinal);
        OutputTypes = session.OutputMetadata.ToDictionary(kv => kv.Key, kv => kv.Value.ElementDataType, StringComparer.Ordinal);
    }

    public ExecutionProviderChoice Provider { get; }

    public IReadOnlyList<string> InputNames { get; }

    public IReadOnlyList<string> OutputNames { get; }

    /// <summary>Dimensions as the graph declares them; -1 for symbolic ones (the batch).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<int>> InputShapes { get; }

    public IReadOnlyDictionary<string, IReadOnlyList<int>> OutputShapes { get; }

    public IReadOnlyDictionary<string, TensorElementType> InputTypes { get; }

    public IReadOnlyDictionary<string, TensorElementType> OutputTypes { get; }

    /// <summary>
    /// Runs the graph on <paramref name="inputs"/> (one row-major float array per entry of <paramref name="inputNames"/>,
    /// shaped by <paramref name="shapes"/>) and returns the requested outputs as flat float arrays.
    /// </summary>
    public float[][] Run(IReadOnlyList<string> inputNames, IReadOnlyList<float[]> inputs, IReadOnlyList<long[]> shapes,
        IReadOnlyList<string> outputNames, RunOptions runOptions)
    {
        var values = new OrtValue[inputs.Count];
        try
        {
            for (var i = 0; i < inputs.Count; i++) values[i] = OrtValue.CreateTensorValueFromMemory(inputs[i], shapes[i]);
            using var results = _session.Run(runOptions, inputNames as IReadOnlyCollection<string> ?? [.. inputNames], values,
                outputNames as IReadOnlyCollection<string> ?? [.. outputNames]);
            var outputs = new float[results.Count][];
            var k = 0;
            foreach (var result in results) outputs[k++] = result.GetTensorDataAsSpan<float>().ToArray();
            return outputs;
        }
        finally
        {
            foreach (var value in values) value?.Dispose();
        }
    }

    public void Dispose() => _session.Dispose();
}
