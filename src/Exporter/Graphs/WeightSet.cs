using TorchSharp;
using static TorchSharp.torch;

namespace RbpPipeline.Exporter.Graphs;

/// <summary>One frozen float32 tensor of a network's state (row-major), as the ONNX writer consumes it.</summary>
public sealed record WeightTensor(float[] Data, long[] Shape)
{
    public long Count => Shape.Aggregate(1L, (a, b) => a * b);
}

/// <summary>
/// The frozen weights of a network by state_dict name (parameters and float buffers). Non-float tensors
/// (BatchNorm's num_batches_tracked) play no part in inference and are left out.
/// </summary>
public sealed class WeightSet
{
    private readonly Dictionary<string, WeightTensor> _tensors;

    public WeightSet(IReadOnlyDictionary<string, WeightTensor> tensors) =>
        _tensors = new Dictionary<string, WeightTensor>(tensors, StringComparer.Ordinal);

    public IReadOnlyDictionary<string, WeightTensor> Tensors => _tensors;

    /// <summary>Copies every float32 tensor of <paramref name="module"/>'s state_dict out of libtorch.</summary>
    public static WeightSet FromModule(nn.Module module)
    {
        ArgumentNullException.ThrowIfNull(module);
        var result = new Dictionary<string, WeightTensor>(StringComparer.Ordinal);
        using var scope = NewDisposeScope();
        foreach (var (name, tensor) in module.state_dict())
        {
            if (tensor.dtype != ScalarType.Float32) continue;
            using var cpu = tensor.cpu().contiguous();
            result[name] = new WeightTensor(cpu.data<float>().ToArray(), tensor.shape);
        }
        return new WeightSet(result);
    }

    /// <summary>The tensor <paramref name="name"/> with the expected shape, or an error naming the layer.</summary>
    public WeightTensor Get(string name, IReadOnlyList<long> shape, string layer)
    {
        if (!_tensors.TryGetValue(name, out var t))
            throw new ExportException($"layer '{layer}': the weights have no tensor '{name}'");
        if (!t.Shape.SequenceEqual(shape))
            throw new ExportException($"layer '{layer}': tensor '{name}' is [{string.Join(", ", t.Shape)}], the graph expects [{string.Join(", ", shape)}]");
        return t;
    }

    /// <summary>A copy with one tensor replaced (tests tamper with weights this way).</summary>
    public WeightSet With(string name, WeightTensor tensor)
    {
        var copy = new Dictionary<string, WeightTensor>(_tensors, StringComparer.Ordinal) { [name] = tensor };
        return new WeightSet(copy);
    }
}
