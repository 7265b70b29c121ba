using Microsoft.Extensions.Logging;
using RbpPipeline.Client;
using RbpPipeline.Contracts.Rbp.V1;
using RbpPipeline.Contracts.SequenceEncoding;
using RbpPipeline.Exporter.Pipeline;
using RbpPipeline.InferenceServer.Hosting;
using RbpPipeline.Trainer.Checkpoints;
using RbpPipeline.Trainer.Networks;
using RbpPipeline.Trainer.Pipeline;
using static TorchSharp.torch;

namespace RbpPipeline.EndToEnd.Tests;

/// <summary>What the ensemble tests share: running a pipeline file through every stage, the libtorch oracle (the mean of
/// the members' own outputs) and one Predict call against a server on the published repository.</summary>
internal static class EnsembleTestKit
{
    public static async Task<IReadOnlyList<StageOutcome>> RunPipelineAsync(string yaml, string runs, ITestOutputHelper output, CancellationToken ct)
    {
        var log = new StringWriter();
        var runner = new PipelineRunner(ArchitectureCatalog.Default, PipelineRunner.WithTrainerStages(ExporterStages.All), log);
        var outcomes = await runner.RunAsync(PipelineLoader.Load(yaml, ArchitectureCatalog.Default), new PipelineRunOptions { OutputRoot = runs, Threads = 1 }, ct);
        output.WriteLine(log.ToString());
        return outcomes;
    }

    /// <summary>The mean over members of each one's libtorch logit in its output column <c>Column</c> of <c>Columns</c>.</summary>
    public static double[] MeanMemberLogits(IReadOnlyList<(Checkpoint Member, int Column, int Columns)> members, IReadOnlyList<string> sequences, EncodingSpec spec)
    {
        var data = new SequenceEncoder(spec).EncodeBatch([.. sequences]);
        var mean = new double[sequences.Count];
        foreach (var (member, column, columns) in members)
        {
            using var network = member.CreateNetwork(Architectures.Get(member.Manifest.Architecture.Name));
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var logits = network.Forward([tensor(data, [sequences.Count, 4, spec.Length])]).contiguous().data<float>().ToArray();
            for (var i = 0; i < sequences.Count; i++) mean[i] += logits[i * columns + column] / members.Count;
        }
        return mean;
    }

    /// <summary>Starts a server on the repository, sends one Predict request and stops the server.</summary>
    public static async Task<PredictResponse> PredictOnceAsync(string repository, PredictRequest request, CancellationToken ct)
    {
        await using var host = await InferenceServerHost.StartAsync(new GrpcServerOptions { Port = 0 },
            new ServingOptions { RepositoryPath = repository, WatchRepository = false }, logging => logging.ClearProviders(), ct);
        using var server = ServerConnection.Open(new ServerOptions { Servers = [host.Address.ToString()] });
        return await server.Models.PredictAsync(request, cancellationToken: ct);
    }
}
