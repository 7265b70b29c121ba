using RbpPipeline.Trainer.Networks;

namespace RbpPipeline.Exporter.Graphs;

/// <summary>The weights of a convolution or linear layer as the ONNX graphs use them (BatchNorm folded in where possible).</summary>
internal sealed record LayerWeights(float[] Weight, long[] WeightShape, float[]? Bias);

/// <summary>
/// A network's frozen weights prepared for export. An inference-mode BatchNorm whose input is a convolution or a
/// 2-d linear layer used by nothing else is folded into it: with s = γ/√(var+ε), W′ = W·s (per output channel) and
/// b′ = (b − μ)·s + β, computed in double precision. Every other BatchNorm becomes a per-channel scale and shift.
/// </summary>
internal sealed class FoldedNetwork
{
    private readonly Dictionary<int, LayerWeights> _layers = [];
    private readonly Dictionary<int, (float[] Scale, float[] Shift)> _batchNorms = [];
    private readonly HashSet<int> _folded = [];

    public FoldedNetwork(NetworkGraph graph, WeightSet weights, bool fold = true)
    {
        Graph = graph;
        Weights = weights;
        foreach (var node in graph.Nodes)
        {
            switch (node)
            {
                case Conv1dNode or Conv2dNode or LinearNode:
                    _layers[node.Id] = Raw(node);
                    break;
                case BatchNormNode bn:
                {
                    var (scale, shift) = Affine(bn);
                    var producer = graph.Nodes[bn.Inputs[0]];
                    var foldable = fold && producer is Conv1dNode or Conv2dNode or LinearNode
                        && graph.Consumers(producer.Id).Count == 1
                        && (producer is not LinearNode || graph.Shapes[producer.Id].Length == 2);
                    if (foldable)
                    {
                        _layers[producer.Id] = Fold(_layers[producer.Id], scale, shift);
                        _folded.Add(bn.Id);
                    }
                    else
                    {
                        _batchNorms[bn.Id] = (ToFloat(scale), ToFloat(shift));
                    }
                    break;
                }
            }
        }
    }

    public NetworkGraph Graph { get; }

    public WeightSet Weights { get; }

    public LayerWeights Layer(int id) => _layers[id];

    /// <summary>Whether BatchNorm node <paramref name="id"/> was folded into its input layer (and is then the identity).</summary>
    public bool IsFolded(int id) => _folded.Contains(id);

    public (float[] Scale, float[] Shift) BatchNorm(int id) => _batchNorms[id];

    public int FoldedCount => _folded.Count;

    private LayerWeights Raw(GraphNode node)
    {
        var state = node.State;
        var w = Weights.Get(state[0].Name, state[0].Shape, node.Name);
        var b = state.Count > 1 ? Weights.Get(state[1].Name, state[1].Shape, node.Name).Data : null;
        return new LayerWeights(w.Data, w.Shape, b);
    }

    private (double[] Scale, double[] Shift) Affine(BatchNormNode bn)
    {
        var c = new long[] { bn.Features };
        var gamma = Weights.Get($"{bn.Name}.weight", c, bn.Name).Data;
        var beta = Weights.Get($"{bn.Name}.bias", c, bn.Name).Data;
        var mean = Weights.Get($"{bn.Name}.running_mean", c, bn.Name).Data;
        var variance = Weights.Get($"{bn.Name}.running_var", c, bn.Name).Data;
        var scale = new double[bn.Features];
        var shift = new double[bn.Features];
        for (var i = 0; i < bn.Features; i++)
        {
            scale[i] = gamma[i] / Math.Sqrt(variance[i] + bn.Eps);
            shift[i] = beta[i] - mean[i] * scale[i];
        }
        return (scale, shift);
    }

    private static LayerWeights Fold(LayerWeights layer, double[] scale, double[] shift)
    {
        var outputs = layer.WeightShape[0];
        var per = layer.Weight.Length / outputs;
        var w = new float[layer.Weight.Length];
        var b = new float[outputs];
        for (var o = 0; o < outputs; o++)
        {
            for (var j = 0; j < per; j++) w[o * per + j] = (float)(layer.Weight[o * per + j] * scale[o]);
            b[o] = (float)((layer.Bias?[o] ?? 0.0) * scale[o] + shift[o]);
        }
        return new LayerWeights(w, layer.WeightShape, b);
    }

    private static float[] ToFloat(double[] values) => [.. values.Select(v => (float)v)];
}
