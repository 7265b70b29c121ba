using System.Globalization;
using System.Text;
using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;
using RbpPipeline.Contracts.Json;
using RbpPipeline.Contracts.Labels;

namespace RbpPipeline.Contracts.Tests;

public class LabelTransformTests
{
    private static readonly double[] Percents = [0, 1, 2.5, 25, 50, 62.5, 90, 99, 99.9, 100];

    private static double[][] Samples()
    {
        var random = new Random(20251121);
        return
        [
            [3.5],
            [2, -1],
            [1, 1, 1, 2, 2, 7, 7, 7, 7],
            [.. Enumerable.Range(0, 1000).Select(_ => Math.Exp(random.NextDouble() * 6) - 20)],
            [.. Enumerable.Range(0, 333).Select(_ => Math.Round(random.NextDouble() * 50, 1))],
        ];
    }

    private static string Json(object value) => JsonSerializer.Serialize(value);

    private static async Task<JsonElement> Numpy(string script, object input) =>
        JsonDocument.Parse(await PythonOracle.RunAsync(script, stdin: Json(input), cancellationToken: TestContext.Current.CancellationToken)).RootElement;

    [Fact]
    public async Task Percentile_mean_and_std_agree_with_numpy()
    {
        const string script = """
            import json, sys, numpy as np
            cases = json.load(sys.stdin)
            out = []
            for c in cases['samples']:
                a = np.array(c, dtype=np.float64)
                out.append({'p': [float(np.percentile(a, q)) for q in cases['percents']],
                             'mean': float(np.mean(a)), 'std': float(np.std(a))})
            print(json.dumps(out))
            """;
        var samples = Samples();
        var result = await Numpy(script, new { samples, percents = Percents });
        for (var i = 0; i < samples.Length; i++)
        {
            var expected = result[i];
            for (var j = 0; j < Percents.Length; j++)
                Assert.Equal(expected.GetProperty("p")[j].GetDouble(), LabelStatistics.Percentile(samples[i], Percents[j]));
            Assert.Equal(expected.GetProperty("mean").GetDouble(), LabelStatistics.Mean(samples[i]), 1e-12);
            Assert.Equal(expected.GetProperty("std").GetDouble(), LabelStatistics.StandardDeviation(samples[i]), 1e-12);
        }
    }

    [Fact]
    public async Task Fitted_chains_transform_labels_as_numpy_does()
    {
        // The definitions in docs/contracts.md, written in numpy.
        const string script = """
            import json, sys, numpy as np
            y = np.array(json.load(sys.stdin), dtype=np.float64)
            def z(v): return (v - v.mean()) / v.std()
            clipped = np.minimum(y, np.percentile(y, 99))
            both = np.clip(y, np.percentile(y, 5), np.percentile(y, 95))
            logged = np.log(y - y.min() + 1)
            minmax = 2 * (y - y.min()) / (y.max() - y.min()) - 1
            print(json.dumps({'clipz': list(z(clipped)), 'clip2': list(both), 'logz': list(z(logged)), 'minmax': list(minmax)}))
            """;
        var labels = Samples()[3];
        var expected = await Numpy(script, labels);
        void Check(string key, params LabelTransformSpec[] specs)
        {
            var chain = LabelTransformChain.Fit(specs, labels);
            var want = expected.GetProperty(key).EnumerateArray().Select(e => e.GetDouble()).ToArray();
            for (var i = 0; i < labels.Length; i++) Assert.Equal(want[i], chain.Apply(labels[i]), 1e-9);
        }
        Check("clipz", LabelTransformSpec.Clip(99), LabelTransformSpec.ZScore);
        Check("clip2", LabelTransformSpec.Clip(95, lowerPercentile: 5));
        Check("logz", LabelTransformSpec.Log, LabelTransformSpec.ZScore);
        Check("minmax", LabelTransformSpec.MinMax);
    }

    [Fact]
    public void MinMax_maps_the_training_range_onto_minus_one_to_one()
    {
        var chain = LabelTransformChain.Fit([LabelTransformSpec.MinMax], [4, 10, 6]);
        Assert.Equal(-1, chain.Apply(4));
        Assert.Equal(1, chain.Apply(10));
        Assert.Equal(-1.0 / 3, chain.Apply(6), 1e-15);
        Assert.Equal(7, chain.Inverse(0));
    }

    private static readonly Gen<double[]> Labels =
        Gen.Choose(-1_000_000, 1_000_000).Select(i => i / 1000.0).ArrayOf().Where(a => a.Distinct().Count() >= 2);

    private static readonly LabelTransformSpec[][] InvertibleChains =
    [
        [LabelTransformSpec.ZScore],
        [LabelTransformSpec.Log],
        [LabelTransformSpec.Log, LabelTransformSpec.ZScore],
        [LabelTransformSpec.MinMax],
        [LabelTransformSpec.Identity, LabelTransformSpec.MinMax, LabelTransformSpec.ZScore],
    ];

    [Fact]
    public void Inverse_undoes_apply_on_training_labels_and_apply_undoes_inverse()
    {
        Prop.ForAll(Labels.ToArbitrary(), Gen.Elements(InvertibleChains).ToArbitrary(), (labels, specs) =>
        {
            var chain = LabelTransformChain.Fit(specs, labels);
            return labels.All(y => Close(chain.Inverse(chain.Apply(y)), y))
                && labels.Select(chain.Apply).All(z => Close(chain.Apply(chain.Inverse(z)), z));
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(200));
    }

    [Fact]
    public void Clip_inverts_exactly_only_inside_the_clip_range()
    {
        Prop.ForAll(Labels.ToArbitrary(), labels =>
        {
            var chain = LabelTransformChain.Fit([LabelTransformSpec.Clip(90, 10), LabelTransformSpec.ZScore], labels);
            var clip = (ClipTransform)chain.Steps[0];
            return labels.All(y => y < clip.Lower || y > clip.Upper
                ? Close(chain.Inverse(chain.Apply(y)), Math.Clamp(y, clip.Lower!.Value, clip.Upper))
                : Close(chain.Inverse(chain.Apply(y)), y));
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(200));
    }

    private static bool Close(double a, double b) => Math.Abs(a - b) <= 1e-9 * Math.Max(1, Math.Max(Math.Abs(a), Math.Abs(b)));

    [Fact]
    public void Missing_labels_are_left_out_of_fitting_and_pass_through()
    {
        var chain = LabelTransformChain.Fit([LabelTransformSpec.ZScore], [1, double.NaN, 3]);
        var z = (ZScoreTransform)chain.Steps[0];
        Assert.Equal((2.0, 1.0), (z.Mean, z.Std));
        Assert.True(double.IsNaN(chain.Apply(double.NaN)));
        Span<float> outputs = [1f, float.NaN];
        chain.InverseInPlace(outputs);
        Assert.Equal(3f, outputs[0]);
        Assert.True(float.IsNaN(outputs[1]));
    }

    [Fact]
    public void Unfittable_labels_give_clear_errors()
    {
        Assert.Contains("standard deviation is 0", Assert.Throws<ArgumentException>(() => LabelTransformChain.Fit([LabelTransformSpec.ZScore], [2, 2, 2])).Message);
        Assert.Contains("Infinity", Assert.Throws<ArgumentException>(() => LabelTransformChain.Fit([LabelTransformSpec.Log], [1, double.PositiveInfinity])).Message);
        Assert.Contains("no (non-missing)", Assert.Throws<ArgumentException>(() => LabelTransformChain.Fit([LabelTransformSpec.Log], [double.NaN])).Message);
        Assert.Throws<ArgumentException>(() => LabelTransformChain.Fit([LabelTransformSpec.Clip(10, lowerPercentile: 20)], [1, 2]));
        var log = LabelTransformChain.Fit([LabelTransformSpec.Log], [5, 6]);
        Assert.Contains("min − 1", Assert.Throws<ArgumentOutOfRangeException>(() => log.Apply(3.5)).Message);
    }

    [Fact]
    public void Fitted_chains_round_trip_through_JSON_with_a_type_discriminator()
    {
        var chain = LabelTransformChain.Fit(
            [LabelTransformSpec.Clip(99, 1), LabelTransformSpec.Log, LabelTransformSpec.ZScore, LabelTransformSpec.MinMax, LabelTransformSpec.Identity],
            Samples()[4]);
        var bytes = ContractsJson.Serialize(chain);
        var text = Encoding.UTF8.GetString(bytes);
        foreach (var type in new[] { "clip", "log", "zscore", "minmax", "identity" })
            Assert.Contains($"\"type\": \"{type}\"", text);
        var back = ContractsJson.Deserialize<LabelTransformChain>(bytes);
        DeepEqual.Check(chain, back);
        Assert.Equal(bytes, ContractsJson.Serialize(back));
        foreach (var y in Samples()[4]) Assert.Equal(chain.Apply(y), back.Apply(y));
    }

    [Fact]
    public void Transform_JSON_is_strict()
    {
        Assert.Throws<JsonException>(() => ContractsJson.Deserialize<LabelTransformChain>("""{"steps":[{"type":"zscore","mean":1}]}"""u8));
        Assert.Throws<JsonException>(() => ContractsJson.Deserialize<LabelTransformChain>("""{"steps":[{"type":"zscore","mean":1,"std":2,"sd":2}]}"""u8));
        Assert.Throws<JsonException>(() => ContractsJson.Deserialize<LabelTransformChain>("""{"steps":[{"type":"quantile"}]}"""u8));
        var spec = ContractsJson.Deserialize<IReadOnlyList<LabelTransformSpec>>("""[{"kind":"clip","upperPercentile":99},{"kind":"zscore"}]"""u8);
        Assert.Equal([LabelTransformSpec.Clip(99), LabelTransformSpec.ZScore], spec);
        Assert.Equal("99", spec[0].UpperPercentile!.Value.ToString(CultureInfo.InvariantCulture));
    }
}
