using System.Text.Json;
using Microsoft.Extensions.Logging;
using RbpPipeline.Client;
using RbpPipeline.Contracts.Rbp.V1;
using RbpPipeline.Contracts.SequenceEncoding;
using RbpPipeline.Exporter.Pipeline;
using RbpPipeline.Exporter.Repository;
using RbpPipeline.InferenceServer.Hosting;
using RbpPipeline.Trainer.Checkpoints;
using RbpPipeline.Trainer.Data;
using RbpPipeline.Trainer.Networks;
using RbpPipeline.Trainer.Pipeline;
using RbpPipeline.Trainer.Synthetic;
using static TorchSharp.torch;

namespace RbpPipeline.EndToEnd.Tests;

/// <summary>
/// An ensemble entry through every stage: its members (two seeds of the entry's ResidualBind and an iDeepS with its
/// own settings) train as models of their own, the ensemble is assembled, evaluated, exported as one graph, published
/// and served; the predictions over gRPC equal the mean of the members' own libtorch outputs.
/// </summary>
public sealed class EnsembleServeTests(ITestOutputHelper output)
{
    private const string PipelineYaml = """
        version: 1
        seed: 3
        data_root: data
        repository: models
        stages: [prepare, train, evaluate, export, publish]
        datasets:
          clip: { format: fasta, task: binary, tasks: [PUM2], train: clip-like/train.fa.gz, test: clip-like/test.fa.gz, validation_fraction: 0.2 }
        models:
          ens:
            architecture: residualbind
            dataset: clip
            hyperparameters: { filters: 8, dense: 16 }
            encoding: { length: 101, policy: centre }
            training: { epochs: 1, batch_size: 64, learning_rate: 0.003 }
            ensemble:
              seeds: 2
              members:
                ideeps: { architecture: ideeps, hyperparameters: { filters: 6, lstm_hidden: 5, dense: 8, lstm_output: sequence }, training: { learning_rate: 0.002 } }
        """;

    private static readonly string[] Members = ["ens.residualbind-1", "ens.residualbind-2", "ens.ideeps"];

    private Task<IReadOnlyList<StageOutcome>> Run(string yaml, string runs, CancellationToken ct) => EnsembleTestKit.RunPipelineAsync(yaml, runs, output, ct);

    [Fact]
    public async Task Members_train_separately_and_the_served_ensemble_predicts_their_mean()
    {
        var ct = TestContext.Current.CancellationToken;
        using var work = new TempFolder("rbp-ensemble");
        DefaultDataWriter.Write(work.File("data"), DefaultDataSets.Generate(seed: 5, scale: 0.05), seed: 5);
        var yaml = work.File("pipeline.yaml");
        await File.WriteAllTextAsync(yaml, PipelineYaml, ct);

        var outcomes = await Run(yaml, work.File("runs"), ct);
        Assert.All(outcomes, o => Assert.True(o.Failure is null, o.Failure?.ToString()));
        Assert.Equal([.. Members, "ens"], outcomes.Select(o => o.Model).Distinct());
        Assert.All(outcomes, o => Assert.Equal(StageStatus.Ran, o.Status));

        // Members: their own seeds (file seed 3, then 4) and settings; the iDeepS member inherits epochs and batch size.
        var members = Members.Select(m => Checkpoint.Open(work.File(Path.Combine("runs", m, "checkpoint")))).ToList();
        Assert.Equal([3L, 4L, 3L], members.Select(m => m.Manifest.Provenance.Seed));
        Assert.Equal(["residualbind", "residualbind", "ideeps"], members.Select(m => m.Manifest.Architecture.Name));
        using (var training = JsonDocument.Parse(File.ReadAllText(Path.Combine(members[2].Folder, Checkpoint.TrainingFile))))
        {
            var options = training.RootElement.GetProperty("options");
            Assert.Equal(0.002, options.GetProperty("learningRate").GetDouble());
            Assert.Equal(1, options.GetProperty("epochs").GetInt32());
            Assert.Equal(64, options.GetProperty("batchSize").GetInt32());
        }

        // The published ensemble records its members (name, seed, weights digest) and evaluation reports each of them.
        var manifest = new ModelRepository(work.File("models")).Manifest("ens", 1);
        Assert.Equal("ensemble", manifest.Architecture.Name);
        var recorded = manifest.Architecture.Hyperparameters["members"].EnumerateArray().ToList();
        Assert.Equal(Members, recorded.Select(r => r.GetProperty("name").GetString()));
        Assert.Equal(members.Select(m => m.Manifest.Files[Checkpoint.WeightsFile].Sha256), recorded.Select(r => r.GetProperty("checkpoint_sha256").GetString()));
        using (var evaluation = JsonDocument.Parse(File.ReadAllText(work.File(Path.Combine("runs", "ens", EvaluateStage.OutputFile)))))
            Assert.Equal(Members, evaluation.RootElement.GetProperty("members").EnumerateArray().Select(m => m.GetProperty("model").GetString()));

        // The in-process oracle: each member's own libtorch network, averaged.
        var records = FastaReader.Read(work.File(Path.Combine("data", "clip-like", "test.fa.gz"))).Take(30).ToList();
        var mean = EnsembleTestKit.MeanMemberLogits([.. members.Select(m => (m, 0, 1))], [.. records.Select(r => r.Sequence)], members[0].Manifest.Encoding);
        Assert.True(mean.Distinct().Count() > 1, "the members predict a constant");

        await using var host = await InferenceServerHost.StartAsync(new GrpcServerOptions { Port = 0 },
            new ServingOptions { RepositoryPath = work.File("models"), WatchRepository = false }, logging => logging.ClearProviders(), ct);
        using var server = ServerConnection.Open(new ServerOptions { Servers = [host.Address.ToString()] });
        var request = new PredictRequest { Model = "ens" };
        request.Sequences.AddRange(records.Select(r => r.Sequence));
        var response = await server.Models.PredictAsync(request, cancellationToken: ct);
        Assert.Equal(records.Count, response.Predictions.Count);
        for (var i = 0; i < records.Count; i++)
        {
            Assert.True(Math.Abs(response.Predictions[i].Raw[0] - mean[i]) <= 1e-4,
                $"sequence {i}: ensemble logit over gRPC {response.Predictions[i].Raw[0]} vs mean of the members {mean[i]}");
            Assert.Equal(1 / (1 + Math.Exp(-mean[i])), response.Predictions[i].Values[0], 1e-4);
        }

        // A request may name its tasks; an unknown one is INVALID_ARGUMENT naming the model's tasks.
        var named = new PredictRequest { Model = "ens" };
        named.Sequences.AddRange(records.Take(3).Select(r => r.Sequence));
        named.Tasks.Add("PUM2");
        var picked = await server.Models.PredictAsync(named, cancellationToken: ct);
        Assert.Equal(["PUM2"], picked.Tasks);
        Assert.Equal(response.Predictions[2].Raw[0], picked.Predictions[2].Raw[0]);
        named.Tasks[0] = "QKI";
        var unknown = await Assert.ThrowsAsync<Grpc.Core.RpcException>(async () => await server.Models.PredictAsync(named, cancellationToken: ct));
        Assert.Equal(Grpc.Core.StatusCode.InvalidArgument, unknown.StatusCode);
        Assert.Contains("has no task 'QKI' (tasks: PUM2)", unknown.Status.Detail);

        // A second run changes nothing: members and ensemble are all skipped.
        var again = await Run(yaml, work.File("runs"), ct);
        Assert.All(again, o => Assert.Equal(StageStatus.Skipped, o.Status));
    }
}
