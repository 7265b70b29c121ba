using System.Globalization;
using Microsoft.Extensions.Logging;
using RbpPipeline.Client;
using RbpPipeline.Contracts.Rbp.V1;
using RbpPipeline.InferenceServer.Hosting;
using RbpPipeline.Trainer.Data;

namespace RbpPipeline.Cli.Commands;

/// <summary>
/// The demo's interpretation step, through the same code as `rbp explain` and `rbp gia`: integrated gradients of
/// CLIP-like positives (logos) and a GIA 6-mer scan of the RNAcompete-like model (ranked k-mers, motif logo).
/// </summary>
internal static class DemoInterpretation
{
    public static async Task<string> RunAsync(string repository, string dataFolder, DirectoryInfo output, CancellationToken ct)
    {
        await using var host = await InferenceServerHost.StartAsync(new GrpcServerOptions { Port = 0 },
            new ServingOptions { RepositoryPath = repository, WatchRepository = false }, logging => logging.ClearProviders(), ct);
        using var server = ServerConnection.Open(new ServerOptions { Servers = [host.Address.ToString()] });
        var client = server.Interpretation;

        var positives = FastaReader.Read(Path.Combine(dataFolder, "clip-like", "test.fa.gz"))
            .Where(r => r.Labels[0] == 1).Take(5).Select(r => (r.Id, r.Sequence)).ToList();
        var explainFolder = new DirectoryInfo(Path.Combine(output.FullName, "explain"));
        explainFolder.Create();
        var settings = new ExplainCommand.ExplainSettings("residualbind-clip", 0, new Target(), false, 64, positives.Count, explainFolder);
        var attributions = await ExplainCommand.AttributeAsync(client, settings,
            new AttributeRequest { Steps = 50, Rule = IntegrationRule.GaussLegendre, Baseline = new Baseline { Kind = Baseline.Types.Kind.DinucleotideShuffle, Samples = 5, Seed = 1 } },
            positives, ct);

        var reference = ScoreSequenceReader.Read(Path.Combine(dataFolder, "rnacompete-like", "test.txt.gz")).Take(1000).Select(r => r.Sequence);
        var request = new GlobalImportanceRequest
        {
            Model = "residualbind-rnacompete",
            Background = new Background { Kind = Background.Types.Kind.DinucleotideShuffle, Count = 200, Seed = 1, Reference = new SequenceBatch { AllowResize = true } },
            KmerScan = new KmerScanExperiment { K = 6, Position = 17, Top = 100 },
        };
        request.Background.Reference.Sequences.AddRange(reference);
        var (conditions, summary) = await GiaCommand.RunAsync(client, request, ct);
        var giaFolder = new DirectoryInfo(Path.Combine(output.FullName, "gia-kmer-scan"));
        giaFolder.Create();
        GiaCommand.Write(giaFolder, "kmer-scan", request, conditions, summary, localEffects: false);
        await host.StopAsync(ct);

        var deltas = attributions.Select(a => Math.Abs(a.ConvergenceDelta) / Math.Max(1e-9, Math.Abs(a.Prediction - a.BaselinePrediction))).Order().ToList();
        var top = string.Join(", ", conditions.Take(3).Select(c => $"{c.Pattern} {c.GlobalImportance.ToString("F2", CultureInfo.InvariantCulture)}"));
        return $"integrated gradients of {attributions.Count} PUM2 positives (median convergence delta {deltas[deltas.Count / 2]:P1}) → {explainFolder.FullName}" +
               $"\n      GIA 6-mer scan, 200 backgrounds: top {top} → {giaFolder.FullName}";
    }
}
