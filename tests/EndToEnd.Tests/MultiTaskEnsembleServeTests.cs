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
using RbpPipeline.Trainer.Networks.Models;
using RbpPipeline.Trainer.Pipeline;
using RbpPipeline.Trainer.Synthetic;
using static TorchSharp.torch;

namespace RbpPipeline.EndToEnd.Tests;

/// <summary>
/// The CLIP preset on a folder of experiments (docs/clip-recipe.md): one entry naming the data set and the preset
/// becomes an ensemble of multi-task members (ResidualBind and Multi-resBind trunks, a head per experiment), exported
/// as one graph with a raw output per experiment; a request naming one experiment gets the mean of the members' own
/// libtorch outputs for that experiment's head.
/// </summary>
public sealed class MultiTaskEnsembleServeTests(ITestOutputHelper output)
{
    // Small networks and one epoch keep it quick; every key written overrides the preset's one by one.
    private const string PipelineYaml = """
        version: 1
        seed: 4
        data_root: data
        repository: models
        stages: [prepare, train, evaluate, export, publish]
        datasets:
          clip: { format: fasta, experiments: "*", train: "clip-experiments/{rbp}/train.fa.gz", test: "clip-experiments/{rbp}/test.fa.gz" }
        models:
          clip:
            preset: clip-binary
            dataset: clip
            hyperparameters: { filters: 8, dense: 16 }
            encoding: { length: 41 }
            training: { epochs: 1, batch_size: 32 }
        """;

    private static readonly string[] Members = ["clip.residualbind-1", "clip.residualbind-2", "clip.residualbind-3", "clip.multiresbind-1", "clip.multiresbind-2"];

    [Fact]
    public async Task The_preset_on_a_folder_of_experiments_serves_the_mean_of_its_multi_task_members_per_experiment()
    {
        var ct = TestContext.Current.CancellationToken;
        using var work = new TempFolder("rbp-mt-ensemble");
        DefaultDataWriter.Write(work.File("data"), DefaultDataSets.Generate(seed: 6, scale: 0.03), seed: 6);
        var yaml = work.File("pipeline.yaml");
        await File.WriteAllTextAsync(yaml, PipelineYaml, ct);

        var log = new StringWriter();
        var runner = new PipelineRunner(ArchitectureCatalog.Default, PipelineRunner.WithTrainerStages(ExporterStages.All), log);
        var outcomes = await runner.RunAsync(PipelineLoader.Load(yaml, ArchitectureCatalog.Default), new PipelineRunOptions { OutputRoot = work.File("runs"), Threads = 1 }, ct);
        output.WriteLine(log.ToString());
        Assert.All(outcomes, o => Assert.True(o.Failure is null, o.Failure?.ToString()));
        Assert.Equal([.. Members, "clip"], outcomes.Select(o => o.Model).Distinct());

        // Each member is a multi-task network: a head per experiment on a trunk of the preset's architectures.
        var members = Members.Select(m => Checkpoint.Open(work.File(Path.Combine("runs", m, "checkpoint")))).ToList();
        Assert.All(members, m => Assert.Equal("multihead", m.Manifest.Architecture.Name));
        Assert.Equal(["residualbind", "residualbind", "residualbind", "multiresbind", "multiresbind"],
            members.Select(m => MultiHead.Trunk(m.Manifest.Architecture.Hyperparameters[MultiHead.TrunkKey]).Architecture.Name));
        Assert.All(members, m => Assert.Equal(["HNRNPC", "PUM2", "QKI"], m.Manifest.Tasks.Select(t => t.Name)));
        var manifest = new ModelRepository(work.File("models")).Manifest("clip", 1);
        Assert.Equal("ensemble", manifest.Architecture.Name);
        Assert.Equal(["HNRNPC", "PUM2", "QKI"], manifest.Tasks.Select(t => t.Name));

        // The oracle: each member's libtorch network, its PUM2 column (index 1), averaged.
        var records = FastaReader.Read(work.File(Path.Combine("data", "clip-experiments", "PUM2", "test.fa.gz"))).Take(20).ToList();
        var spec = members[0].Manifest.Encoding;
        var data = new SequenceEncoder(spec).EncodeBatch(records.Select(r => r.Sequence).ToList());
        var mean = new double[records.Count];
        foreach (var member in members)
        {
            using var network = member.CreateNetwork(Architectures.Get(member.Manifest.Architecture.Name));
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var logits = network.Forward([tensor(data, [records.Count, 4, spec.Length])]).contiguous().data<float>().ToArray();
            for (var i = 0; i < records.Count; i++) mean[i] += logits[i * 3 + 1] / members.Count;
        }
        Assert.True(mean.Distinct().Count() > 1, "the members predict a constant");

        await using var host = await InferenceServerHost.StartAsync(new GrpcServerOptions { Port = 0 },
            new ServingOptions { RepositoryPath = work.File("models"), WatchRepository = false }, logging => logging.ClearProviders(), ct);
        using var server = ServerConnection.Open(new ServerOptions { Servers = [host.Address.ToString()] });
        var request = new PredictRequest { Model = "clip", AllowResize = true };
        request.Sequences.AddRange(records.Select(r => r.Sequence));
        request.Tasks.Add("PUM2");
        var response = await server.Models.PredictAsync(request, cancellationToken: ct);
        Assert.Equal(["PUM2"], response.Tasks);
        for (var i = 0; i < records.Count; i++)
            Assert.True(Math.Abs(response.Predictions[i].Raw[0] - mean[i]) <= 1e-4,
                $"sequence {i}: served PUM2 logit {response.Predictions[i].Raw[0]} vs mean of the members' PUM2 heads {mean[i]}");
    }

    private const string FanOutYaml = """
        version: 1
        seed: 4
        data_root: data
        repository: models
        stages: [prepare, train, evaluate, export, publish]
        datasets:
          clip: { format: fasta, each: "*", train: "clip-experiments/{rbp}/train.fa.gz", test: "clip-experiments/{rbp}/test.fa.gz" }
        models:
          clip:
            preset: clip-binary
            dataset: clip
            hyperparameters: { filters: 8, dense: 16 }
            encoding: { length: 41 }
            training: { epochs: 1, batch_size: 32 }
        """;

    [Fact]
    public async Task On_a_fan_out_data_set_each_experiments_ensemble_takes_its_head_of_the_shared_multi_task_members()
    {
        var ct = TestContext.Current.CancellationToken;
        using var work = new TempFolder("rbp-shared-heads");
        DefaultDataWriter.Write(work.File("data"), DefaultDataSets.Generate(seed: 6, scale: 0.03), seed: 6);
        var yaml = work.File("pipeline.yaml");
        await File.WriteAllTextAsync(yaml, FanOutYaml, ct);

        var log = new StringWriter();
        var runner = new PipelineRunner(ArchitectureCatalog.Default, PipelineRunner.WithTrainerStages(ExporterStages.All), log);
        var outcomes = await runner.RunAsync(PipelineLoader.Load(yaml, ArchitectureCatalog.Default), new PipelineRunOptions { OutputRoot = work.File("runs"), Threads = 1 }, ct);
        output.WriteLine(log.ToString());
        Assert.All(outcomes, o => Assert.True(o.Failure is null, o.Failure?.ToString()));
        string[] shared = ["clip.multitask-residualbind", "clip.multitask-multiresbind"];
        // The shared members trained once (not once per experiment) on all three experiments.
        Assert.All(shared, s => Assert.Single(outcomes, o => o.Model == s && o.Stage == "train"));
        Assert.All(shared, s => Assert.Equal(["HNRNPC", "PUM2", "QKI"],
            Checkpoint.Open(work.File(Path.Combine("runs", s, "checkpoint"))).Manifest.Tasks.Select(t => t.Name)));

        // The oracle for clip-PUM2: its five own members' libtorch outputs and the shared members' PUM2 heads (column 1), averaged.
        string[] own = ["clip-PUM2.residualbind-1", "clip-PUM2.residualbind-2", "clip-PUM2.residualbind-3", "clip-PUM2.multiresbind-1", "clip-PUM2.multiresbind-2"];
        var records = FastaReader.Read(work.File(Path.Combine("data", "clip-experiments", "PUM2", "test.fa.gz"))).Take(20).ToList();
        var spec = Checkpoint.Open(work.File(Path.Combine("runs", own[0], "checkpoint"))).Manifest.Encoding;
        var data = new SequenceEncoder(spec).EncodeBatch(records.Select(r => r.Sequence).ToList());
        var mean = new double[records.Count];
        foreach (var (name, column, columns) in own.Select(o => (o, 0, 1)).Concat(shared.Select(s => (s, 1, 3))))
        {
            var member = Checkpoint.Open(work.File(Path.Combine("runs", name, "checkpoint")));
            using var network = member.CreateNetwork(Architectures.Get(member.Manifest.Architecture.Name));
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var logits = network.Forward([tensor(data, [records.Count, 4, spec.Length])]).contiguous().data<float>().ToArray();
            for (var i = 0; i < records.Count; i++) mean[i] += logits[i * columns + column] / (own.Length + shared.Length);
        }
        Assert.True(mean.Distinct().Count() > 1, "the members predict a constant");
        var manifest = new ModelRepository(work.File("models")).Manifest("clip-PUM2", 1);
        Assert.Equal([.. own, .. shared], manifest.Architecture.Hyperparameters["members"].EnumerateArray().Select(m => m.GetProperty("name").GetString()));

        await using var host = await InferenceServerHost.StartAsync(new GrpcServerOptions { Port = 0 },
            new ServingOptions { RepositoryPath = work.File("models"), WatchRepository = false }, logging => logging.ClearProviders(), ct);
        using var server = ServerConnection.Open(new ServerOptions { Servers = [host.Address.ToString()] });
        var request = new PredictRequest { Model = "clip-PUM2", AllowResize = true };
        request.Sequences.AddRange(records.Select(r => r.Sequence));
        var response = await server.Models.PredictAsync(request, cancellationToken: ct);
        for (var i = 0; i < records.Count; i++)
            Assert.True(Math.Abs(response.Predictions[i].Raw[0] - mean[i]) <= 1e-4,
                $"sequence {i}: served clip-PUM2 logit {response.Predictions[i].Raw[0]} vs mean of its members and the shared PUM2 heads {mean[i]}");
    }
}
