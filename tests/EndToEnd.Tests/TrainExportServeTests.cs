using Microsoft.Extensions.Logging;
using RbpPipeline.Client;
using RbpPipeline.Contracts.Rbp.V1;
using RbpPipeline.Contracts.SequenceEncoding;
using RbpPipeline.Exporter.Pipeline;
using RbpPipeline.InferenceServer.Hosting;
using RbpPipeline.Trainer.Checkpoints;
using RbpPipeline.Trainer.Data;
using RbpPipeline.Trainer.Networks;
using RbpPipeline.Trainer.Pipeline;
using RbpPipeline.Trainer.Synthetic;
using TorchSharp;
using static TorchSharp.torch;

namespace RbpPipeline.EndToEnd.Tests;

/// <summary>
/// Trains a small model with the YAML stages, exports and publishes it, serves the repository, and checks that the
/// predictions a client gets over gRPC — for raw sequences (encoded by the server) and for pre-encoded tensors —
/// equal the Trainer's own eval-mode outputs of the checkpoint within the Exporter's parity tolerance.
/// </summary>
public sealed class TrainExportServeTests
{
    private const double AbsoluteTolerance = 1e-4;

    private const string PipelineYaml = """
        version: 1
        seed: 3
        data_root: data
        repository: models
        stages: [prepare, train, evaluate, export, publish]
        datasets:
          clip:
            format: fasta
            task: binary
            tasks: [PUM2]
            train: clip-like/train.fa.gz
            test: clip-like/test.fa.gz
            validation_fraction: 0.2
        models:
          e2e-clip:
            architecture: residualbind
            dataset: clip
            hyperparameters: { filters: 8, dense: 16 }
            encoding: { length: 101, policy: centre }
            training: { epochs: 1, batch_size: 64, learning_rate: 0.003, loss: bce, monitor: auroc }
        """;

    [Fact]
    public async Task Predictions_over_grpc_equal_the_trainers_outputs()
    {
        var ct = TestContext.Current.CancellationToken;
        using var work = new TempFolder("rbp-e2e");
        DefaultDataWriter.Write(work.File("data"), DefaultDataSets.Generate(seed: 5, scale: 0.1), seed: 5);
        var yaml = work.File("pipeline.yaml");
        await File.WriteAllTextAsync(yaml, PipelineYaml, ct);

        var config = PipelineLoader.Load(yaml, ArchitectureCatalog.Default);
        var runner = new PipelineRunner(ArchitectureCatalog.Default, PipelineRunner.WithTrainerStages(ExporterStages.All), TextWriter.Null);
        var outcomes = await runner.RunAsync(config, new PipelineRunOptions { OutputRoot = work.File("runs"), Threads = 1 }, ct);
        Assert.All(outcomes, o => Assert.True(o.Failure is null, o.Failure?.ToString()));
        Assert.Contains(outcomes, o => o.Stage == "publish" && o.Status == StageStatus.Ran);
        Assert.True(File.Exists(work.File(Path.Combine("models", "e2e-clip", "1", "model.onnx"))), "publish wrote no version 1");

        var records = FastaReader.Read(work.File(Path.Combine("data", "clip-like", "test.fa.gz"))).Take(40).ToList();
        var checkpoint = Checkpoint.Open(work.File(Path.Combine("runs", "e2e-clip", "checkpoint")));
        var expected = TrainerProbabilities(checkpoint, records);

        await using var host = await InferenceServerHost.StartAsync(new GrpcServerOptions { Port = 0 },
            new ServingOptions { RepositoryPath = work.File("models"), WatchRepository = false },
            logging => logging.ClearProviders(), ct);
        using var server = ServerConnection.Open(new ServerOptions { Servers = [host.Address.ToString()] });
        var client = server.Models;

        var raw = new PredictRequest { Model = "e2e-clip" };
        raw.Sequences.AddRange(records.Select(r => r.Sequence));
        var fromRaw = await client.PredictAsync(raw, cancellationToken: ct);

        var encoded = new PredictRequest { Model = "e2e-clip" };
        var tensor = new InputEncoder(checkpoint.Manifest.Encoding).Encode(records.Select(r => r.ToInputRecord(checkpoint.Manifest.Encoding)).ToList())[0];
        var message = new Contracts.Rbp.V1.EncodedTensor { Name = tensor.Name };
        message.Shape.AddRange(tensor.Shape);
        message.Values.AddRange(tensor.Data);
        encoded.Encoded.Add(message);
        var fromEncoded = await client.PredictAsync(encoded, cancellationToken: ct);

        foreach (var response in new[] { fromRaw, fromEncoded })
        {
            Assert.Equal(1L, response.Version);
            Assert.Equal(records.Count, response.Predictions.Count);
            for (var i = 0; i < records.Count; i++)
            {
                Assert.True(Math.Abs(response.Predictions[i].Raw[0] - expected.Logits[i]) <= AbsoluteTolerance,
                    $"sequence {i}: logit over gRPC {response.Predictions[i].Raw[0]} vs Trainer {expected.Logits[i]}");
                Assert.True(Math.Abs(response.Predictions[i].Values[0] - expected.Probabilities[i]) <= AbsoluteTolerance,
                    $"sequence {i}: probability over gRPC {response.Predictions[i].Values[0]} vs Trainer {expected.Probabilities[i]}");
            }
        }
        // The model separates the planted motif from background even after one epoch: a sanity check on the data path.
        Assert.True(expected.Probabilities.Distinct().Count() > 1, "the checkpoint predicts a constant");
    }

    /// <summary>The checkpoint's network in evaluation mode on the same sequences, encoded by the one encoder.</summary>
    private static (float[] Logits, double[] Probabilities) TrainerProbabilities(Checkpoint checkpoint, IReadOnlyList<SequenceRecord> records)
    {
        var spec = checkpoint.Manifest.Encoding;
        var data = new SequenceEncoder(spec).EncodeBatch(records.Select(r => r.Sequence).ToList());
        using var network = checkpoint.CreateNetwork(Architectures.Get(checkpoint.Manifest.Architecture.Name));
        network.Module.eval();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var input = tensor(data, [records.Count, 4, spec.Length]);
        var logits = network.Forward([input]).contiguous().data<float>().ToArray();
        return (logits, logits.Select(z => 1.0 / (1.0 + Math.Exp(-z))).ToArray());
    }
}
