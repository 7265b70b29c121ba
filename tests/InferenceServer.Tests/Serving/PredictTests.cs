using System.Text.Json;
using RbpPipeline.Client;
using RbpPipeline.Contracts.Manifests;
using RbpPipeline.Contracts.Rbp.V1;
using RbpPipeline.Contracts.SequenceEncoding;
using Grpc.Core;
using SeqEncodedTensor = RbpPipeline.Contracts.SequenceEncoding.EncodedTensor;
using ProtoEncodedTensor = RbpPipeline.Contracts.Rbp.V1.EncodedTensor;

namespace RbpPipeline.InferenceServer.Tests.Serving;

/// <summary>rbp.v1.ModelService against a real Kestrel: answers equal in-process ONNX Runtime on the same files.</summary>
public sealed class PredictTests : IAsyncLifetime
{
    private readonly TestModelRepository _repo = new();
    private ServingServer _server = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static string RandomSequence(Random random, int length) =>
        new([.. Enumerable.Range(0, length).Select(_ => "ACGU"[random.Next(4)])]);

    public async ValueTask InitializeAsync()
    {
        _repo.Publish("rbfox", 1);
        _repo.Publish("rbfox", 2, new TestModelSpec { Seed = 2 });
        _repo.Publish("deepripe", 1, new TestModelSpec { WithRegion = true, Seed = 7, Length = 12 });
        _server = await ServingServer.StartAsync(_repo);
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        _repo.Dispose();
    }

    [Fact]
    public async Task Raw_sequences_are_encoded_with_the_models_spec_and_match_in_process_onnx_runtime()
    {
        var random = new Random(3);
        var sequences = Enumerable.Range(0, 37).Select(_ => RandomSequence(random, 20)).ToList();
        sequences[5] = sequences[5].Replace('U', 't'); // lower case and T read as U
        var request = new PredictRequest { Model = "rbfox", Id = "r1" };
        request.Sequences.AddRange(sequences);
        request.SequenceIds.AddRange(sequences.Select((_, i) => $"s{i}"));

        var response = await _server.Models.PredictAsync(request, new CallOptions(cancellationToken: Ct));

        Assert.Equal("r1", response.Id);
        Assert.Equal(2, response.Version); // the latest
        Assert.Equal(["affinity", "bound"], response.Tasks);
        var spec = new TestModelSpec { Seed = 2 };
        using var oracle = new InProcessModel(_repo.VersionFolder("rbfox", 2));
        var encoded = new SequenceEncoder(TestModelRepository.Encoding(spec)).EncodeBatch(sequences);
        var expected = oracle.Run([new SeqEncodedTensor("sequence", Nucleotides.ChannelNames, 20, encoded)]);
        Assert.Equal(sequences.Count, response.Predictions.Count);
        for (var i = 0; i < sequences.Count; i++)
        {
            var p = response.Predictions[i];
            Assert.Equal($"s{i}", p.SequenceId);
            Assert.Equal(expected["raw"][i * 2], p.Raw[0]);
            Assert.Equal(expected["raw"][i * 2 + 1], p.Raw[1]);
            // Regression: the z-score transform (mean 2, std 3) inverted; binary: the probability.
            Assert.Equal(expected["raw"][i * 2] * 3.0 + 2.0, p.Values[0], 1e-9);
            Assert.Equal(expected["probability"][i * 2 + 1], p.Probabilities[1]);
            Assert.Equal(expected["probability"][i * 2 + 1], p.Values[1], 1e-9);
            Assert.True(float.IsNaN(p.Probabilities[0]));
        }
    }

    [Fact]
    public async Task Pre_encoded_tensors_and_a_named_version_match_in_process_onnx_runtime()
    {
        var random = new Random(4);
        var records = Enumerable.Range(0, 9).Select(i => new InputRecord
        {
            Sequence = RandomSequence(random, 12),
            Tracks = new Dictionary<string, TrackValues> { ["region"] = TrackValues.FromSymbols(new string([.. Enumerable.Range(0, 12).Select(_ => "IE"[random.Next(2)])])) },
        }).ToList();
        var spec = new TestModelSpec { WithRegion = true, Seed = 7, Length = 12 };
        var tensors = new InputEncoder(TestModelRepository.Encoding(spec)).Encode(records);
        var request = new PredictRequest { Model = "deepripe", Version = 1 };
        foreach (var t in tensors)
        {
            var proto = new ProtoEncodedTensor { Name = t.Name };
            proto.Shape.AddRange(t.Shape);
            proto.Values.AddRange(t.Data);
            request.Encoded.Add(proto);
        }

        var response = await _server.Models.PredictAsync(request, new CallOptions(cancellationToken: Ct));

        using var oracle = new InProcessModel(_repo.VersionFolder("deepripe", 1));
        var expected = oracle.Run(tensors);
        Assert.Equal(1, response.Version);
        for (var i = 0; i < records.Count; i++)
        {
            Assert.Equal(expected["raw"][i * 2], response.Predictions[i].Raw[0]);
            Assert.Equal(expected["probability"][i * 2 + 1], response.Predictions[i].Probabilities[1]);
        }
    }

    [Fact]
    public async Task An_older_version_can_be_named()
    {
        var request = new PredictRequest { Model = "rbfox", Version = 1, Sequences = { new string('A', 20) } };
        var v1 = await _server.Models.PredictAsync(request, new CallOptions(cancellationToken: Ct));
        request.Version = 2;
        var v2 = await _server.Models.PredictAsync(request, new CallOptions(cancellationToken: Ct));
        Assert.Equal(1, v1.Version);
        Assert.Equal(2, v2.Version);
        Assert.NotEqual(v1.Predictions[0].Raw[0], v2.Predictions[0].Raw[0]);
    }

    [Fact]
    public async Task Resizing_uses_the_models_length_policy_when_allowed()
    {
        var core = new string('G', 20);
        var request = new PredictRequest { Model = "rbfox", Sequences = { "AA" + core + "UU", core[..18] }, AllowResize = true };
        var response = await _server.Models.PredictAsync(request, new CallOptions(cancellationToken: Ct));
        using var oracle = new InProcessModel(_repo.VersionFolder("rbfox", 2));
        var encoder = new SequenceEncoder(TestModelRepository.Encoding(new TestModelSpec()));
        var expected = oracle.Run([new SeqEncodedTensor("sequence", Nucleotides.ChannelNames, 20, encoder.EncodeBatch([core, "N" + core[..18] + "N"]))]);
        Assert.Equal(expected["raw"][0], response.Predictions[0].Raw[0]);
        Assert.Equal(expected["raw"][2], response.Predictions[1].Raw[0]);
    }

    [Fact]
    public async Task ListModels_reports_versions_tasks_inputs_metrics_parity_and_the_manifest()
    {
        var response = await _server.Models.ListModelsAsync(new ListModelsRequest { NameFilter = "rbf" }, new CallOptions(cancellationToken: Ct));
        Assert.Equal([2L, 1L], response.Models.Select(m => m.Version));
        var latest = response.Models[0];
        Assert.Equal("rbfox", latest.Name);
        Assert.Equal([1L, 2L], latest.AvailableVersions);
        Assert.Equal("linear-test", latest.Architecture);
        Assert.Equal(["affinity:regression", "bound:binary"], latest.Tasks.Select(t => $"{t.Name}:{t.Type}"));
        Assert.Equal("sequence", latest.Inputs.Single().Name);
        Assert.Equal(["A", "C", "G", "U"], latest.Inputs[0].Channels);
        Assert.Equal(20, latest.Inputs[0].Length);
        Assert.Equal(0.52, latest.Metrics["test/pearson/affinity"], 1e-12);
        Assert.Equal(0.25, latest.Metrics["train/loss"], 1e-12);
        Assert.Equal(1e-6, latest.Parity.ForwardMaxAbsDiff, 1e-15);
        Assert.Equal(4e-6, latest.Parity.GradientMaxRelDiff, 1e-15);
        var manifest = ModelManifestJson.Parse(System.Text.Encoding.UTF8.GetBytes(latest.ManifestJson), "reply");
        Assert.Equal(2, manifest.Version);
        Assert.Equal(File.ReadAllText(Path.Combine(_repo.VersionFolder("rbfox", 2), "manifest.json")), latest.ManifestJson);

        var all = await _server.Models.ListModelsAsync(new ListModelsRequest(), new CallOptions(cancellationToken: Ct));
        Assert.Equal(["deepripe", "rbfox", "rbfox"], all.Models.Select(m => m.Name));
        Assert.Equal(["region", "sequence"], all.Models[0].Inputs.Select(i => i.Name).Order());
    }

    [Fact]
    public async Task PredictStream_preserves_ids_and_answers_every_request()
    {
        var random = new Random(5);
        using var call = _server.Models.PredictStream(new CallOptions(cancellationToken: Ct));
        var sent = new Dictionary<string, List<string>>();
        var reader = Task.Run(async () =>
        {
            var got = new List<PredictResponse>();
            await foreach (var r in call.ResponseStream.ReadAllAsync(Ct)) got.Add(r);
            return got;
        }, Ct);
        for (var i = 0; i < 40; i++)
        {
            var request = new PredictRequest { Model = "rbfox", Id = $"batch-{i}" };
            var sequences = Enumerable.Range(0, 1 + i % 7).Select(_ => RandomSequence(random, 20)).ToList();
            request.Sequences.AddRange(sequences);
            sent[request.Id] = sequences;
            await call.RequestStream.WriteAsync(request, Ct);
        }
        await call.RequestStream.CompleteAsync();
        var responses = await reader;

        Assert.Equal(sent.Keys.Order(), responses.Select(r => r.Id).Order());
        using var oracle = new InProcessModel(_repo.VersionFolder("rbfox", 2));
        var encoder = new SequenceEncoder(TestModelRepository.Encoding(new TestModelSpec()));
        foreach (var response in responses)
        {
            var sequences = sent[response.Id];
            var expected = oracle.Run([new SeqEncodedTensor("sequence", Nucleotides.ChannelNames, 20, encoder.EncodeBatch(sequences))]);
            Assert.Equal(sequences.Count, response.Predictions.Count);
            for (var k = 0; k < sequences.Count; k++) Assert.Equal(expected["raw"][k * 2], response.Predictions[k].Raw[0]);
        }
    }

    [Fact]
    public async Task A_request_larger_than_the_maximum_batch_is_split_and_joined_in_order()
    {
        var random = new Random(6);
        var sequences = Enumerable.Range(0, 700).Select(_ => RandomSequence(random, 20)).ToList(); // max batch 256
        var request = new PredictRequest { Model = "rbfox" };
        request.Sequences.AddRange(sequences);
        var response = await _server.Models.PredictAsync(request, new CallOptions(cancellationToken: Ct));
        using var oracle = new InProcessModel(_repo.VersionFolder("rbfox", 2));
        var encoder = new SequenceEncoder(TestModelRepository.Encoding(new TestModelSpec()));
        var expected = oracle.Run([new SeqEncodedTensor("sequence", Nucleotides.ChannelNames, 20, encoder.EncodeBatch(sequences))]);
        for (var i = 0; i < sequences.Count; i++) Assert.Equal(expected["raw"][i * 2 + 1], response.Predictions[i].Raw[1]);
    }

    [Fact]
    public void Test_manifests_are_valid_json_for_the_strict_reader()
    {
        var json = File.ReadAllText(Path.Combine(_repo.VersionFolder("rbfox", 1), "manifest.json"));
        using var doc = JsonDocument.Parse(json);
        Assert.Equal("model", doc.RootElement.GetProperty("kind").GetString());
        Assert.Equal(64, doc.RootElement.GetProperty("files").GetProperty("model.onnx").GetProperty("sha256").GetString()!.Length);
    }
}
