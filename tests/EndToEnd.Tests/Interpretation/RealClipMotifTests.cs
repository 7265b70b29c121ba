using Grpc.Core;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using RbpPipeline.Client;
using RbpPipeline.Contracts.Rbp.V1;
using RbpPipeline.Exporter.Pipeline;
using RbpPipeline.InferenceServer.Hosting;
using RbpPipeline.Trainer.Data;
using RbpPipeline.Trainer.Pipeline;

namespace RbpPipeline.EndToEnd.Tests.Interpretation;

/// <summary>
/// Models trained on the real CLIP experiments (../shared/data/clip-ideeps) recover their proteins' known motifs in
/// a GIA k-mer scan served from the frozen graphs: PUM2 UGUAHAUA, QKI ACUAAY, HNRNPC poly-U.
/// </summary>
[Collection(InterpretedModelsCollection.Name)]
public sealed class RealClipMotifTests
{
    private const string Yaml = """
        version: 1
        seed: 2
        data_root: DATA
        repository: models
        stages: [prepare, train, evaluate, export, publish]
        datasets:
          clip:
            format: fasta
            task: binary
            each: [23_PARCLIP_PUM2_hg19, 24_PARCLIP_QKI_hg19, 17_ICLIP_HNRNPC_hg19]
            train: "{rbp}/train.fa.gz"
            test: "{rbp}/test.fa.gz"
            limit: 15000
            validation_fraction: 0.1
        models:
          real:
            architecture: residualbind
            dataset: clip
            encoding: { length: 101, policy: centre }
            training: { epochs: 1, batch_size: 100, learning_rate: 0.001, loss: bce, monitor: auroc }
        """;

    /// <summary>5-mers that lie inside each protein's known motif.</summary>
    private static readonly (string Experiment, Regex Motif)[] Known =
    [
        ("23_PARCLIP_PUM2_hg19", new("^(UGUA[ACU]|GUA[ACU]A|UA[ACU]AU|A[ACU]AUA)$")),
        ("24_PARCLIP_QKI_hg19", new("^(ACUAA|CUAA[CU])$")),
        ("17_ICLIP_HNRNPC_hg19", new("^(U{5}|U{4}[ACG]|[ACG]U{4}|U+[ACG]U+)$")),
    ];

    [Fact]
    public async Task Kmer_scan_recovers_the_known_motifs_of_pum2_qki_and_hnrnpc()
    {
        var data = RepoPaths.RequireSharedData("clip-ideeps");
        var ct = TestContext.Current.CancellationToken;
        using var work = new TempFolder("rbp-real-motifs");
        var yaml = work.File("pipeline.yaml");
        await File.WriteAllTextAsync(yaml, Yaml.Replace("DATA", data), ct);
        var config = PipelineLoader.Load(yaml, ArchitectureCatalog.Default);
        var runner = new PipelineRunner(ArchitectureCatalog.Default, PipelineRunner.WithTrainerStages(ExporterStages.All), TextWriter.Null);
        var outcomes = await runner.RunAsync(config, new PipelineRunOptions { OutputRoot = work.File("runs"), Threads = 2 }, ct);
        Assert.All(outcomes, o => Assert.True(o.Failure is null, o.Failure?.ToString())); // a failed model no longer throws

        await using var host = await InferenceServerHost.StartAsync(new GrpcServerOptions { Port = 0 },
            new ServingOptions { RepositoryPath = work.File("models"), WatchRepository = false }, logging => logging.ClearProviders(), ct);
        using var server = ServerConnection.Open(new ServerOptions { Servers = [host.Address.ToString()] });
        var client = server.Interpretation;
        var names = (await server.Models.ListModelsAsync(new ListModelsRequest(), cancellationToken: ct)).Models.Select(m => m.Name).ToList();
        var failures = new List<string>();
        foreach (var (experiment, motif) in Known)
        {
            var model = names.Single(n => n.Contains(experiment, StringComparison.Ordinal));
            var negatives = FastaReader.Read(Path.Combine(data, experiment, "test.fa.gz")).Where(r => r.Labels[0] == 0).Take(300);
            var request = new GlobalImportanceRequest
            {
                Model = model,
                Background = new Background { Kind = Background.Types.Kind.DinucleotideShuffle, Count = 100, Seed = 3, Reference = new SequenceBatch() },
                KmerScan = new KmerScanExperiment { K = 5, Position = 48, Top = 10 },
            };
            request.Background.Reference.Sequences.AddRange(negatives.Select(r => r.Sequence));
            var ranked = new List<Condition>();
            await foreach (var response in client.GlobalImportance(request, cancellationToken: ct).ResponseStream.ReadAllAsync(ct)) ranked.AddRange(response.Conditions);
            var top = string.Join(", ", ranked.Take(5).Select(c => $"{c.Pattern} {c.GlobalImportance:F3}"));
            TestContext.Current.SendDiagnosticMessage($"{experiment}: {top}");
            if (!motif.IsMatch(ranked[0].Pattern)) failures.Add($"{experiment}: top 5-mers {top}");
        }
        Assert.True(failures.Count == 0, string.Join("; ", failures));
    }
}
