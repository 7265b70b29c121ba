using RbpPipeline.Trainer.Networks;
using static TorchSharp.torch;

namespace RbpPipeline.Exporter.Tests;

/// <summary>
/// Hand-built graphs that reach the corners the five architectures do not: strides, dilations, asymmetric and
/// oversized padding (the ConvTranspose path), ceil-mode and padded pooling, count_include_pad off, unfolded
/// BatchNorm, 2-d layers, reductions, sigmoid/tanh, unidirectional and stacked recurrent layers, Linear over 3-d input.
/// </summary>
public static class OperatorZoo
{
    public static IReadOnlyList<string> Names => ["conv1d", "conv2d", "recurrent"];

    public static NetworkGraph Graph(string name) => name switch
    {
        "conv1d" => Conv1d(),
        "conv2d" => Conv2d(),
        "recurrent" => Recurrent(),
        _ => throw new ArgumentException(name),
    };

    public static INetwork Create(string name, long seed = 11)
    {
        var graph = Graph(name);
        var shape = new NetworkShape([.. graph.Inputs.Select(i => new NetworkInput(i.InputName, i.Channels, i.Length))],
            (int)graph.Shapes[graph.Output.Id][1]);
        manual_seed(seed);
        var network = new GraphNetwork($"zoo-{name}", shape, graph);
        TestNetworks.RandomiseBatchNorm(network);
        network.Module.eval();
        return network;
    }

    private static NetworkGraph Conv1d()
    {
        var b = new GraphBuilder();
        var x = b.Input(new NetworkInput("sequence", 3, 19));
        var side = b.Input(new NetworkInput("track", 2, 19));
        x = b.Concat(1, [x, side], "stack");
        x = b.Add(new Conv1dNode(5, 4, 3, 2, 2, 1, 2, true), "strided", x);          // stride 2, dilation 2, pads 2/1 → ConvTranspose
        x = b.Add(new BatchNormNode(4, 1), "strided_bn", x);                          // folded
        x = b.Tanh(x);
        x = b.Add(new Conv1dNode(4, 5, 4, 1, 3, 5, 1, false), "padded", x);          // pad end 5 > k − 1 → ConvTranspose
        x = b.Relu(x);
        x = b.Add(new BatchNormNode(5, 1), "after_relu_bn", x);                       // not foldable: a scale and shift
        var y = b.Add(new MaxPool1dNode(3, 2, 1, true), "maxpool_ceil", x);            // overlapping windows, padding, ceil
        y = b.Add(new AvgPool1dNode(3, 2, 1, true, false), "avgpool_ceil", y);        // padding, ceil, count_include_pad off
        var z = b.Add(new AvgPool1dNode(4, 3, 0, false, true), "avgpool_plain", x);
        z = b.Sigmoid(z);
        x = b.Concat(2, [y, z], "join");
        x = b.Add(new Conv1dNode(5, 3, 3, 1, 1, 1, 1, true), "same", x);             // stride 1: flipped-kernel Conv
        var mean = b.Reduce(x, ReduceOp.Mean, 2, "mean");
        var max = b.Reduce(x, ReduceOp.Max, 2, "max");
        x = b.Sum(mean, max, "sum");
        x = b.Linear(x, "head", 2);
        return b.Build(x, "logits");
    }

    private static NetworkGraph Conv2d()
    {
        var b = new GraphBuilder();
        var x = b.Input(new NetworkInput("sequence", 4, 13));
        x = b.Unsqueeze(x, 1);
        x = b.Permute(x, [0, 1, 3, 2], "to_image");                                   // [N, 1, 13, 4]
        x = b.Add(new Conv2dNode(1, 3, 3, 2, 2, 1, 1, 1, 0, 1, 1, 1, true), "c1", x); // strides 2×1, asymmetric padding
        x = b.Sigmoid(x);
        x = b.Add(new MaxPool2dNode(2, 2, 2, 1, 1, 0, true), "p1", x);
        x = b.Add(new BatchNormNode(3, 2), "bn2d", x);
        x = b.Add(new Conv2dNode(3, 2, 2, 2, 1, 1, 0, 1, 1, 0, 2, 1, false), "c2", x); // dilation 2×1
        x = b.Relu(x);
        x = b.Permute(x, [0, 2, 1, 3], "swap");
        x = b.Flatten(x);
        x = b.Linear(x, "fc", 6);
        x = b.Add(new BatchNormNode(6, 1), "fc_bn", x);                                // folded into a Linear
        x = b.Tanh(x);
        x = b.Linear(x, "head", 3);
        return b.Build(x, "logits");
    }

    private static NetworkGraph Recurrent()
    {
        var b = new GraphBuilder();
        var x = b.Input(new NetworkInput("sequence", 3, 7));
        x = b.Permute(x, [0, 2, 1], "time_major");                                    // [N, 7, 3]
        x = b.Recurrent(x, "gru", RecurrentCell.Gru, 4, 2, false, RecurrentOutput.Sequence); // stacked, one direction
        x = b.Linear(x, "per_step", 3);                                                // Linear over [N, T, F]
        var seq = b.Tanh(x);
        var final = b.Recurrent(seq, "lstm", RecurrentCell.Lstm, 3, 2, true, RecurrentOutput.FinalStates); // stacked, both directions
        var pooled = b.Reduce(seq, ReduceOp.Max, 1, "over_time");
        var uni = b.Recurrent(seq, "lstm_uni", RecurrentCell.Lstm, 2, 1, false, RecurrentOutput.Sequence);
        var last = b.Flatten(uni);
        x = b.Concat(1, [final, pooled, last], "features");
        x = b.Linear(x, "head", 2);
        return b.Build(x, "logits");
    }
}
