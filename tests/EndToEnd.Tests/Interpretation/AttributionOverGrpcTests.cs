using Grpc.Core;
using System.Globalization;
using RbpPipeline.Client;
using RbpPipeline.Contracts.Rbp.V1;
using RbpPipeline.Contracts.SequenceEncoding;
using RbpPipeline.Trainer.Checkpoints;
using RbpPipeline.Trainer.Data;
using RbpPipeline.Trainer.Networks;
using static TorchSharp.torch;

namespace RbpPipeline.EndToEnd.Tests.Interpretation;

/// <summary>
/// Attribution and mutagenesis served from frozen graphs, checked against independent computations: libtorch
/// autograd on the checkpoint's own weights, numpy's Gauss–Legendre nodes, and explicit predictions.
/// </summary>
[Collection(InterpretedModelsCollection.Name)]
public sealed class AttributionOverGrpcTests(InterpretedModels models)
{
    private const int Steps = 50;

    [Fact]
    public async Task Integrated_gradients_equal_libtorch_autograd_on_the_same_weights()
    {
        var ct = TestContext.Current.CancellationToken;
        var sequences = models.ClipTest.Take(12).Select(r => r.Sequence).ToList();
        var served = await AttributeAsync(InterpretedModels.Clip, sequences, AttributionMethod.IntegratedGradients, ct);

        var (nodes, weights) = await GaussLegendreFromNumpyAsync(Steps, ct);
        var checkpoint = models.OpenCheckpoint(InterpretedModels.Clip);
        var length = checkpoint.Manifest.Encoding.Length;
        var x = new SequenceEncoder(checkpoint.Manifest.Encoding).EncodeBatch(sequences);
        var expected = new double[x.Length];
        foreach (var (alpha, weight) in nodes.Zip(weights))
        {
            var gradient = AutogradInputGradient(checkpoint, x.Select(v => (float)(alpha * v)).ToArray(), sequences.Count, length);
            for (var i = 0; i < x.Length; i++) expected[i] += weight * gradient[i] * x[i];
        }

        var record = 4 * length;
        for (var s = 0; s < sequences.Count; s++)
        {
            var map = served[s].Maps.Single(m => m.Input == "sequence");
            Assert.Equal(["A", "C", "G", "U"], map.Channels);
            var scale = Enumerable.Range(0, record).Max(i => Math.Abs(expected[s * record + i]));
            for (var i = 0; i < record; i++)
            {
                var difference = Math.Abs(map.Values[i] - expected[s * record + i]);
                Assert.True(difference <= 1e-4 + 2e-3 * scale,
                    $"sequence {s}, channel {i / length}, position {i % length}: served {map.Values[i]} vs autograd {expected[s * record + i]}");
            }
        }
    }

    /// <remarks>
    /// These are ReLU/max-pool networks: along the path the input gradient is piecewise constant, so quadrature
    /// error falls like 1/steps rather than spectrally. Measured on these models (40 inputs each): at 50
    /// Gauss–Legendre steps the median |delta| / |f(x) − f(b)| is about 1.1 % (90th percentile 2–8 %); at 400 steps
    /// the median is about 0.1 % and nearly every input is within 1 %. The test pins that convergence.
    /// </remarks>
    [Theory]
    [InlineData(InterpretedModels.Clip)]
    [InlineData(InterpretedModels.Affinity)]
    public async Task Convergence_delta_is_reported_exactly_and_shrinks_with_gauss_legendre_steps(string model)
    {
        var ct = TestContext.Current.CancellationToken;
        var records = model == InterpretedModels.Clip ? models.ClipTest : models.AffinityTest;
        var sequences = records.Take(40).Select(r => r.Sequence).ToList();
        var at50 = RelativeDeltas(await AttributeAsync(model, sequences, AttributionMethod.IntegratedGradients, ct, 50));
        var at400 = RelativeDeltas(await AttributeAsync(model, sequences, AttributionMethod.IntegratedGradients, ct, 400));
        Assert.True(at50.Count >= 30, $"only {at50.Count} of 40 inputs moved the prediction away from the baseline's");
        var summary = $"median relative delta: {Median(at50):P2} at 50 steps, {Median(at400):P2} at 400 steps";
        Assert.True(Median(at50) <= 0.02, summary);
        Assert.True(Median(at400) <= 0.005, summary);
        Assert.True(Median(at400) <= Median(at50) / 3, summary);
        Assert.True(at400.Count(d => d <= 0.01) >= 0.9 * at400.Count, $"{at400.Count(d => d <= 0.01)} of {at400.Count} within 1 % at 400 steps");
    }

    private static List<double> RelativeDeltas(List<Attribution> served)
    {
        var relative = new List<double>();
        foreach (var attribution in served)
        {
            var change = attribution.Prediction - attribution.BaselinePrediction;
            var total = attribution.Maps.Sum(m => m.Values.Sum(v => (double)v));
            // The reported delta is what it says it is.
            Assert.Equal(total - change, attribution.ConvergenceDelta, 1e-3 * Math.Max(1, Math.Abs(change)));
            if (Math.Abs(change) >= 1e-2) relative.Add(Math.Abs(attribution.ConvergenceDelta) / Math.Abs(change));
        }
        return relative;
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

    [Fact]
    public async Task Saliency_is_the_autograd_gradient_and_gradient_times_input_its_product()
    {
        var ct = TestContext.Current.CancellationToken;
        var sequences = models.AffinityTest.Take(8).Select(r => r.Sequence).ToList();
        var saliency = await AttributeAsync(InterpretedModels.Affinity, sequences, AttributionMethod.Saliency, ct);
        var product = await AttributeAsync(InterpretedModels.Affinity, sequences, AttributionMethod.GradientTimesInput, ct);
        var checkpoint = models.OpenCheckpoint(InterpretedModels.Affinity);
        var length = checkpoint.Manifest.Encoding.Length;
        var x = new SequenceEncoder(checkpoint.Manifest.Encoding).EncodeBatch(sequences);
        var gradient = AutogradInputGradient(checkpoint, x, sequences.Count, length);
        var record = 4 * length;
        for (var s = 0; s < sequences.Count; s++)
            for (var i = 0; i < record; i++)
            {
                Assert.Equal(gradient[s * record + i], saliency[s].Maps[0].Values[i], 2e-4);
                Assert.Equal(gradient[s * record + i] * x[s * record + i], product[s].Maps[0].Values[i], 2e-4);
            }
    }

    [Fact]
    public async Task Mutagenesis_equals_explicit_predictions_of_every_mutant()
    {
        var ct = TestContext.Current.CancellationToken;
        var sequences = models.AffinityTest.Take(3).Select(r => r.Sequence).ToList();
        var request = new MutagenesisRequest { Model = InterpretedModels.Affinity, Inputs = Batch(sequences) };
        var results = new List<MutagenesisResponse>();
        await foreach (var response in models.Interpretation.Mutagenesis(request, cancellationToken: ct).ResponseStream.ReadAllAsync(ct)) results.Add(response);
        Assert.Equal(sequences.Count, results.Count);

        const string bases = "ACGU";
        foreach (var result in results.OrderBy(r => r.Index))
        {
            var sequence = sequences[(int)result.Index];
            var length = sequence.Length;
            Assert.Equal(length, result.WindowLength);
            var mutants = new List<string>();
            for (var c = 0; c < 4; c++)
                for (var p = 0; p < length; p++)
                    mutants.Add(string.Concat(sequence.AsSpan(0, p), bases[c].ToString(), sequence.AsSpan(p + 1)));
            var predict = new PredictRequest { Model = InterpretedModels.Affinity };
            predict.Sequences.AddRange(mutants);
            predict.Sequences.Add(sequence);
            var explicitRaw = (await models.Models.PredictAsync(predict, cancellationToken: ct)).Predictions.Select(p => p.Raw[0]).ToList();
            var reference = explicitRaw[^1];
            Assert.Equal(reference, result.ReferenceRaw[0], 1e-5);
            var norms = new double[length];
            for (var c = 0; c < 4; c++)
                for (var p = 0; p < length; p++)
                {
                    var expected = NucleotideAt(sequence, p) == c ? 0 : explicitRaw[c * length + p] - reference;
                    Assert.Equal(expected, result.RawDeltas[c * length + p], 1e-4);
                    Assert.Equal(expected, result.TargetDeltas[c * length + p], 1e-4);
                    norms[p] += expected * expected;
                }
            for (var p = 0; p < length; p++) Assert.Equal(Math.Sqrt(norms[p]), result.PositionNorms[p], 1e-4);
        }
    }

    [Fact]
    public async Task Integrated_gradients_concentrate_on_the_planted_sites()
    {
        var ct = TestContext.Current.CancellationToken;
        var sites = PlantedSites(Path.Combine(models.Folder, "data", "clip-like", "test.fa.gz.sites.tsv.gz"));
        var positives = models.ClipTest.Where(r => r.Labels[0] == 1 && sites.ContainsKey(r.Id)).Take(30).ToList();
        Assert.True(positives.Count >= 20, $"only {positives.Count} positives with a planted site in the test set");
        var served = await AttributeAsync(InterpretedModels.Clip, positives.Select(r => r.Sequence).ToList(), AttributionMethod.IntegratedGradients, ct);
        var shares = new List<double>();
        for (var s = 0; s < positives.Count; s++)
        {
            var (start, width) = sites[positives[s].Id];
            var values = served[s].Maps[0].Values;
            var length = positives[s].Sequence.Length;
            var perPosition = Enumerable.Range(0, length).Select(p => Enumerable.Range(0, 4).Sum(c => (double)values[c * length + p])).ToArray();
            var positive = perPosition.Where(v => v > 0).Sum();
            var inSite = Enumerable.Range(Math.Max(0, start - 2), width + 4).Where(p => p < length).Sum(p => Math.Max(0, perPosition[p]));
            shares.Add(inSite / positive);
        }
        // The site window (8 + 4 of 101 positions, 12 %) holds most of the positive attribution.
        Assert.True(shares.Average() >= 0.5, $"mean share of positive attribution on the planted site: {shares.Average():F3}");
    }

    private async Task<List<Attribution>> AttributeAsync(string model, List<string> sequences, AttributionMethod method, CancellationToken ct, int steps = Steps)
    {
        var request = new AttributeRequest
        {
            Model = model,
            Inputs = Batch(sequences),
            Method = method,
            Steps = steps,
            Rule = IntegrationRule.GaussLegendre,
            SequencesPerResponse = 5,
        };
        var attributions = new List<Attribution>();
        await foreach (var response in models.Interpretation.Attribute(request, cancellationToken: ct).ResponseStream.ReadAllAsync(ct))
            attributions.AddRange(response.Attributions);
        Assert.Equal(Enumerable.Range(0, sequences.Count).Select(i => (long)i), attributions.Select(a => a.Index));
        return attributions;
    }

    private static SequenceBatch Batch(IEnumerable<string> sequences)
    {
        var batch = new SequenceBatch();
        batch.Sequences.AddRange(sequences);
        return batch;
    }

    private static int NucleotideAt(string sequence, int position) => "ACGU".IndexOf(sequence[position] == 'T' ? 'U' : sequence[position]);

    /// <summary>∂logit/∂input of the checkpoint's network (eval mode) for a batch, by libtorch autograd.</summary>
    private static float[] AutogradInputGradient(Checkpoint checkpoint, float[] data, int rows, int length)
    {
        using var network = checkpoint.CreateNetwork(Architectures.Get(checkpoint.Manifest.Architecture.Name));
        network.Module.eval();
        using var scope = NewDisposeScope();
        var input = tensor(data, [rows, 4, length]).requires_grad_(true);
        var output = network.Forward([input]);
        output.sum().backward();
        return input.grad!.contiguous().data<float>().ToArray();
    }

    /// <summary>Gauss–Legendre nodes and weights on [0, 1] from numpy (an implementation independent of ours).</summary>
    private static async Task<(double[] Nodes, double[] Weights)> GaussLegendreFromNumpyAsync(int n, CancellationToken ct)
    {
        var text = await PythonOracle.RunAsync("""
            import sys, numpy
            x, w = numpy.polynomial.legendre.leggauss(int(sys.argv[1]))
            print(" ".join(repr(v) for v in (x + 1) / 2))
            print(" ".join(repr(v) for v in w / 2))
            """, [n.ToString(CultureInfo.InvariantCulture)], cancellationToken: ct);
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return (Parse(lines[0]), Parse(lines[1]));

        static double[] Parse(string line) => [.. line.Split(' ').Select(v => double.Parse(v, CultureInfo.InvariantCulture))];
    }

    /// <summary>Planted positive sites (effect 1) by record id: start and width.</summary>
    private static Dictionary<string, (int Start, int Width)> PlantedSites(string path)
    {
        var sites = new Dictionary<string, (int, int)>();
        using var reader = DataFile.OpenText(path);
        reader.ReadLine();
        while (reader.ReadLine() is { } line)
        {
            var fields = line.Split('\t');
            if (double.Parse(fields[4], CultureInfo.InvariantCulture) != 1) continue;
            sites[fields[0]] = (int.Parse(fields[2], CultureInfo.InvariantCulture), fields[3].Length);
        }
        return sites;
    }
}
