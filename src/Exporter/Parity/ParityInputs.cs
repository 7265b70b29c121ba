using RbpPipeline.Contracts.SequenceEncoding;
using RbpPipeline.Trainer.Data;
using RbpPipeline.Trainer.Networks;
using RbpPipeline.Trainer.Synthetic;

namespace RbpPipeline.Exporter.Parity;

/// <summary>A batch of inputs for the parity gate plus the output weights the gradient comparison uses.</summary>
public sealed record ParityBatch(IReadOnlyList<NamedTensor> Inputs, NamedTensor OutputWeights)
{
    public int Size => (int)Inputs[0].Shape[0];

    /// <summary>
    /// The gate's usual batch: <paramref name="synthetic"/> CLIP-like sequences from the Trainer's generator (PUM2 sites
    /// planted near the centre), followed by <paramref name="random"/> uniformly random sequences, both encoded by
    /// the Contracts encoder with the model's own specification; tracks get random valid values (categorical symbols
    /// drawn from the track's alphabet, profile values uniform in [0, 1)). Output weights are standard normal.
    /// </summary>
    public static ParityBatch FromEncoding(EncodingSpec encoding, int columns, int synthetic = 16, int random = 16, ulong seed = 1)
    {
        ArgumentNullException.ThrowIfNull(encoding);
        var rng = DeterministicRandom.For(seed, "exporter-parity");
        var sequences = new List<string>();
        if (synthetic > 0)
        {
            var options = new ClipLikeOptions
            {
                Positives = (synthetic + 1) / 2,
                NegativesPerPositive = (double)(synthetic - (synthetic + 1) / 2) / ((synthetic + 1) / 2),
                Length = Math.Max(encoding.Length, 24),
                CentreWindow = Math.Max(0, Math.Min(20, (Math.Max(encoding.Length, 24) - 12) / 2)),
            };
            sequences.AddRange(ClipLikeGenerator.Generate(options, rng).Examples.Take(synthetic).Select(e => Fit(e.Record.Sequence, encoding.Length)));
        }
        for (var i = 0; i < random; i++)
            sequences.Add(new string([.. Enumerable.Range(0, encoding.Length).Select(_ => "ACGU"[rng.NextInt(4)])]));
        var records = sequences.Select((s, i) => new InputRecord
        {
            Id = $"parity-{i}",
            Sequence = s,
            Tracks = encoding.Tracks.ToDictionary(t => t.Name, t => RandomTrack(t, s.Length, rng), StringComparer.Ordinal),
        }).ToList();
        var encoded = new InputEncoder(encoding).Encode(records);
        var inputs = encoded.Select(t => new NamedTensor(t.Name, t.Data, t.Shape)).ToList();
        return new ParityBatch(inputs, Weights(records.Count, columns, rng));
    }

    /// <summary>Standard-normal inputs for every input of <paramref name="graph"/> (tests of single layers use these).</summary>
    public static ParityBatch Gaussian(NetworkGraph graph, int batch, ulong seed = 1)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var rng = DeterministicRandom.For(seed, "exporter-gaussian");
        var inputs = graph.Inputs.Select(i =>
        {
            long[] shape = i.Length == 0 ? [batch, i.Channels] : [batch, i.Channels, i.Length];
            var data = new float[shape.Aggregate(1L, (a, b) => a * b)];
            for (var k = 0; k < data.Length; k++) data[k] = (float)rng.NextGaussian();
            return new NamedTensor(i.InputName, data, shape);
        }).ToList();
        return new ParityBatch(inputs, Weights(batch, (int)graph.Shapes[graph.Output.Id][1], rng));
    }

    private static NamedTensor Weights(int batch, int columns, DeterministicRandom rng)
    {
        var w = new float[batch * columns];
        for (var i = 0; i < w.Length; i++) w[i] = (float)rng.NextGaussian();
        return new NamedTensor(Contracts.Manifests.GradientGraph.OutputWeightsInput, w, [batch, columns]);
    }

    private static string Fit(string sequence, int length) =>
        sequence.Length == length ? sequence : sequence.Substring((sequence.Length - length) / 2, length);

    private static TrackValues RandomTrack(TrackSpec track, int length, DeterministicRandom rng)
    {
        switch (track)
        {
            case CategoricalTrackSpec c:
            {
                var symbols = string.Concat(c.Categories.Select(k => k.Symbols)) + c.BlankSymbols;
                return TrackValues.FromSymbols(new string([.. Enumerable.Range(0, length).Select(_ => symbols[rng.NextInt(symbols.Length)])]));
            }
            case ProfileTrackSpec p:
            {
                var values = new float[p.Channels.Count * length];
                for (var i = 0; i < values.Length; i++) values[i] = (float)rng.NextDouble();
                return TrackValues.FromProfile(values);
            }
            default:
                throw new ExportException($"track '{track.Name}' is of a kind ({track.GetType().Name}) the parity gate cannot generate inputs for");
        }
    }
}
