using System.Text.Json;
using RbpPipeline.Contracts.SequenceEncoding;
using TorchSharp;
using RbpPipeline.Trainer.Data;
using RbpPipeline.Trainer.Networks;
using RbpPipeline.Trainer.Synthetic;
using static TorchSharp.torch;

namespace RbpPipeline.Trainer.Tests.Networks;

/// <summary>The network tests share libtorch's process-wide seed and thread count, so they run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class NetworkCollection
{
    public const string Name = "networks";
}

internal static class NetworkTestSupport
{
    /// <summary>One intra-op thread: on a loaded 2-core box more threads spin-wait (docs/torch-binding.md).</summary>
    public static void UseOneThread() => set_num_threads(1);

    public static NetworkShape Shape(int tasks, params (string Name, int Channels, int Length)[] inputs) =>
        new([.. inputs.Select(i => new NetworkInput(i.Name, i.Channels, i.Length))], tasks);

    public static Dictionary<string, JsonElement> Hp(params (string Name, object Value)[] values) =>
        values.ToDictionary(v => v.Name, v => JsonSerializer.SerializeToElement(v.Value));

    /// <summary>Random one-hot columns for "sequence", random values in [0, 1) for the other inputs.</summary>
    public static Tensor[] RandomInputs(NetworkShape shape, long batch)
    {
        var result = new List<Tensor>();
        foreach (var input in shape.Inputs)
        {
            if (input.IsVector) { result.Add(randn([batch, input.Channels])); continue; }
            if (input.Name != "sequence") { result.Add(rand([batch, input.Channels, input.Length])); continue; }
            using var index = randint(0, input.Channels, [batch, input.Length]);
            using var hot = nn.functional.one_hot(index, input.Channels);
            using var f = hot.to(ScalarType.Float32);
            result.Add(f.permute(0, 2, 1).contiguous());
        }
        return [.. result];
    }

    // ---- data ---------------------------------------------------------------------------------------------------

    /// <summary>Encoded inputs (one tensor per encoding input) and labels [n, tasks] of a synthetic set.</summary>
    public sealed record EncodedData(Tensor[] Inputs, Tensor Labels, double[][] LabelRows) : IDisposable
    {
        public long Count => Labels.shape[0];

        public void Dispose()
        {
            foreach (var t in Inputs) t.Dispose();
            Labels.Dispose();
        }
    }

    public static EncodingSpec RegionEncoding(int length) => new()
    {
        Length = length,
        Tracks = [new CategoricalTrackSpec
        {
            Name = MultiTaskGenerator.RegionTrackName,
            Categories = [.. RegionTypes.Names.Select(n => new TrackCategory(n, RegionTypes.CodeOf(n).ToString()))],
        }],
    };

    /// <summary>Encodes records with the Contracts encoder (the one the Trainer and the server use).</summary>
    public static EncodedData Encode(IReadOnlyList<SequenceRecord> records, EncodingSpec spec, Func<double, double>? label = null)
    {
        var encoded = new InputEncoder(spec).Encode([.. records.Select(r => r.ToInputRecord(spec))]);
        var inputs = encoded.Select(e => tensor(e.Data, e.Shape).DetachFromDisposeScope()).ToArray();
        var rows = records.Select(r => r.Labels.Select(v => label?.Invoke(v) ?? v).ToArray()).ToArray();
        var tasks = rows[0].Length;
        var flat = rows.SelectMany(r => r.Select(v => (float)v)).ToArray();
        return new EncodedData(inputs, tensor(flat, [records.Count, tasks]).DetachFromDisposeScope(), rows);
    }

    // ---- a minimal training loop (Adam, shuffled mini-batches) --------------------------------------------------

    public static void Train(INetwork network, EncodedData data, bool binary, int epochs, int batchSize, double lr, int seed)
    {
        manual_seed(seed);
        var random = new Random(seed);
        using var optimizer = optim.Adam(network.Module.parameters(), lr);
        network.Module.train();
        var n = (int)data.Count;
        for (var epoch = 0; epoch < epochs; epoch++)
        {
            var order = Enumerable.Range(0, n).OrderBy(_ => random.Next()).Select(i => (long)i).ToArray();
            for (var start = 0; start + batchSize <= n; start += batchSize)
            {
                using var scope = NewDisposeScope();
                var index = tensor(order[start..(start + batchSize)], [batchSize]);
                var output = network.Forward([.. data.Inputs.Select(x => x.index_select(0, index))]);
                var target = data.Labels.index_select(0, index);
                var loss = binary ? nn.functional.binary_cross_entropy_with_logits(output, target) : nn.functional.mse_loss(output, target);
                optimizer.zero_grad();
                loss.backward();
                optimizer.step();
            }
        }
    }

    /// <summary>Predictions [n][tasks] in eval mode (raw outputs: logits or scores).</summary>
    public static double[][] Predict(INetwork network, EncodedData data, int batchSize = 500)
    {
        network.Module.eval();
        var rows = new List<double[]>();
        using var noGrad = no_grad();
        for (long start = 0; start < data.Count; start += batchSize)
        {
            using var scope = NewDisposeScope();
            var length = Math.Min(batchSize, data.Count - start);
            var output = network.Forward([.. data.Inputs.Select(x => x.narrow(0, start, length))]);
            var values = output.to(ScalarType.Float64).data<double>().ToArray();
            var tasks = (int)output.shape[1];
            for (var i = 0; i < length; i++) rows.Add(values.AsSpan(i * tasks, tasks).ToArray());
        }
        return [.. rows];
    }

    public static double MaxAbsDiff(Tensor a, Tensor b)
    {
        Assert.Equal(a.shape, b.shape);
        using var scope = NewDisposeScope();
        return (a.to(ScalarType.Float64) - b.to(ScalarType.Float64)).abs().max().item<double>();
    }
}
