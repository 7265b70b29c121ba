using RbpPipeline.Onnx.Format;
using RbpPipeline.Trainer.Networks;
using static RbpPipeline.Onnx.Format.OnnxAttributes;

namespace RbpPipeline.Exporter.Graphs;

/// <summary>
/// Recurrent layers in model.onnx as ONNX's own LSTM and GRU operators (time-major, one operator per layer, both
/// directions in one). libtorch stores gate blocks as LSTM (i, f, g, o) and GRU (r, z, n); ONNX wants LSTM (i, o, f, c)
/// and GRU (z, r, h), so the row blocks of W, R and both biases are reordered at export. PyTorch's GRU applies the reset
/// gate after the recurrent matrix product (r ⊙ (W_hn·h + b_hn)), which is ONNX's linear_before_reset = 1.
/// </summary>
internal static class RecurrentOps
{
    /// <summary>libtorch block b goes to ONNX position p: ONNX block p is libtorch block Order[p].</summary>
    public static readonly int[] LstmOrder = [0, 3, 1, 2]; // ONNX i, o, f, c  ← libtorch i(0), o(3), f(1), g(2)

    public static readonly int[] GruOrder = [1, 0, 2];     // ONNX z, r, h     ← libtorch z(1), r(0), n(2)

    public static string Forward(OnnxEmitter e, WeightSet weights, RecurrentNode r, string x, long[] inputShape)
    {
        var hint = r.Name;
        var order = r.Cell == RecurrentCell.Lstm ? LstmOrder : GruOrder;
        var h = r.HiddenSize;
        var d = r.Directions;
        // [N, T, F] → [T, N, F]
        var sequence = e.Transpose(x, [1, 0, 2], hint);
        string y = "", yh = "";
        for (var layer = 0; layer < r.Layers; layer++)
        {
            long inputSize = layer == 0 ? r.InputSize : (long)h * d;
            var wAll = new List<float>();
            var rAll = new List<float>();
            var bAll = new List<float>();
            for (var direction = 0; direction < d; direction++)
            {
                var p = Parameters(weights, r, layer, direction);
                wAll.AddRange(Reorder(p.Wih.Data, order, h, inputSize));
                rAll.AddRange(Reorder(p.Whh.Data, order, h, h));
                bAll.AddRange(Reorder(p.Bih.Data, order, h, 1));
                bAll.AddRange(Reorder(p.Bhh.Data, order, h, 1));
            }
            var g = r.Gates;
            var w = e.Weight($"{r.Name}.onnx_W_l{layer}", [.. wAll], d, g * h, inputSize);
            var rr = e.Weight($"{r.Name}.onnx_R_l{layer}", [.. rAll], d, g * h, h);
            var b = e.Weight($"{r.Name}.onnx_B_l{layer}", [.. bAll], d, 2 * g * h);
            List<AttributeProto> attributes =
                [Int("hidden_size", h), OnnxAttributes.String("direction", r.Bidirectional ? "bidirectional" : "forward")];
            if (r.Cell == RecurrentCell.Gru) attributes.Add(Int("linear_before_reset", 1));
            var outputs = e.Ops(r.Cell == RecurrentCell.Lstm ? "LSTM" : "GRU", [sequence, w, rr, b], 2, $"{hint}_l{layer}", [.. attributes]);
            (y, yh) = (outputs[0], outputs[1]);
            if (layer < r.Layers - 1)
            {
                // Y [T, D, N, H] → [T, N, D·H]: the next layer's input, forward state first.
                sequence = e.Reshape(e.Transpose(y, [0, 2, 1, 3], hint), [0, 0, (long)d * h], hint);
            }
        }
        if (r.Output == RecurrentOutput.Sequence)
            return e.Reshape(e.Transpose(y, [2, 0, 1, 3], hint), [0, 0, (long)d * h], hint); // [N, T, D·H]
        // Y_h [D, N, H]: forward after step T−1, backward after step 0 → [N, D·H]
        return e.Reshape(e.Transpose(yh, [1, 0, 2], hint), [0, (long)d * h], hint);
    }

    internal sealed record DirectionParameters(WeightTensor Wih, WeightTensor Whh, WeightTensor Bih, WeightTensor Bhh);

    internal static DirectionParameters Parameters(WeightSet weights, RecurrentNode r, int layer, int direction)
    {
        var suffix = $"_l{layer}{(direction == 1 ? "_reverse" : "")}";
        long gh = (long)r.Gates * r.HiddenSize;
        long input = layer == 0 ? r.InputSize : (long)r.HiddenSize * r.Directions;
        return new DirectionParameters(
            weights.Get($"{r.Name}.weight_ih{suffix}", [gh, input], r.Name),
            weights.Get($"{r.Name}.weight_hh{suffix}", [gh, r.HiddenSize], r.Name),
            weights.Get($"{r.Name}.bias_ih{suffix}", [gh], r.Name),
            weights.Get($"{r.Name}.bias_hh{suffix}", [gh], r.Name));
    }

    /// <summary>Reorders the row blocks (each <paramref name="hidden"/> rows of <paramref name="columns"/>) of a gate matrix.</summary>
    internal static float[] Reorder(float[] data, int[] order, int hidden, long columns)
    {
        var block = hidden * columns;
        var result = new float[data.Length];
        for (var p = 0; p < order.Length; p++)
            Array.Copy(data, order[p] * block, result, p * block, block);
        return result;
    }
}
