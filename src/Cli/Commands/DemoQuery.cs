using System.Text;
using Microsoft.Extensions.Logging;
using RbpPipeline.Client;
using RbpPipeline.Contracts.Manifests;
using RbpPipeline.Contracts.Rbp.V1;
using RbpPipeline.Contracts.SequenceEncoding;
using RbpPipeline.InferenceServer.Hosting;
using RbpPipeline.Trainer.Data;
using RbpPipeline.Trainer.Metrics;

namespace RbpPipeline.Cli.Commands;

/// <summary>
/// The demo's last step: starts the InferenceServer on a loopback port over the models the demo published, and
/// scores each model's held-out synthetic test set through gRPC — raw sequences for sequence-only models (the
/// server encodes them), pre-encoded tensors for models with extra inputs — then stops the server.
/// The metric is computed from the server's answers, so it shows the whole train → export → serve chain agrees.
/// </summary>
internal static class DemoQuery
{
    private const int SequencesPerModel = 1000;
    private const int BatchSize = 250;

    /// <summary>Which test file holds each default model's held-out data (as pipeline.yaml declares it).</summary>
    private static readonly Dictionary<string, Func<string, IEnumerable<SequenceRecord>>> TestSets = new()
    {
        ["residualbind-clip"] = data => FastaReader.Read(Path.Combine(data, "clip-like", "test.fa.gz")),
        ["residualbind-rnacompete"] = data => ScoreSequenceReader.Read(Path.Combine(data, "rnacompete-like", "test.txt.gz")),
        ["multiresbind-multitask"] = data => DelimitedTableReader.Read(Path.Combine(data, "multitask", "test.tsv.gz"),
            new TableColumns { Id = "id", Sequence = "sequence", Labels = ["PUM2", "QKI", "HNRNPC"], Region = "region" }),
    };

    public static async Task<string> RunAsync(string repository, string dataFolder, CancellationToken ct)
    {
        var grpc = new GrpcServerOptions { Port = 0 };
        var serving = new ServingOptions { RepositoryPath = repository, WatchRepository = false };
        await using var host = await InferenceServerHost.StartAsync(grpc, serving, logging => logging.ClearProviders(), ct);
        using var server = ServerConnection.Open(new ServerOptions { Servers = [host.Address.ToString()] });
        var client = server.Models;
        var models = (await client.ListModelsAsync(new ListModelsRequest(), cancellationToken: ct)).Models;
        if (models.Count == 0) throw new InvalidOperationException($"the server at {host.Address} loaded no model from {repository}");

        var report = new StringBuilder($"server {host.Address} serving {models.Count} models");
        foreach (var model in models.OrderBy(m => m.Name, StringComparer.Ordinal))
        {
            if (!TestSets.TryGetValue(model.Name, out var testSet)) continue;
            var records = testSet(dataFolder).Take(SequencesPerModel).ToList();
            var predictions = await PredictAsync(client, model, records);
            report.Append($"\n      {model.Name} v{model.Version}: {Score(model, records, predictions)} on {records.Count} held-out sequences over gRPC");
        }
        await host.StopAsync(ct);
        return report.ToString();
    }

    private static async Task<List<Prediction>> PredictAsync(ModelService.ModelServiceClient client, ModelInfo model, List<SequenceRecord> records)
    {
        var manifest = ModelManifestJson.Parse(Encoding.UTF8.GetBytes(model.ManifestJson), $"manifest of {model.Name}");
        var encoder = model.Inputs.Count > 1 ? new InputEncoder(manifest.Encoding) : null;
        var predictions = new List<Prediction>(records.Count);
        foreach (var batch in records.Chunk(BatchSize))
        {
            var request = new PredictRequest { Model = model.Name, Version = model.Version };
            request.SequenceIds.AddRange(batch.Select(r => r.Id));
            if (encoder is null)
                request.Sequences.AddRange(batch.Select(r => r.Sequence));
            else
                foreach (var tensor in encoder.Encode(batch.Select(r => r.ToInputRecord(manifest.Encoding)).ToList()))
                {
                    var encoded = new Contracts.Rbp.V1.EncodedTensor { Name = tensor.Name };
                    encoded.Shape.AddRange(tensor.Shape);
                    encoded.Values.AddRange(tensor.Data);
                    request.Encoded.Add(encoded);
                }
            var response = await client.PredictAsync(request, deadline: DateTime.UtcNow.AddMinutes(1));
            predictions.AddRange(response.Predictions);
        }
        return predictions;
    }

    /// <summary>AUROC per classification task, Pearson for regression, from the served predictions.</summary>
    private static string Score(ModelInfo model, List<SequenceRecord> records, List<Prediction> predictions)
    {
        var parts = new List<string>();
        for (var task = 0; task < model.Tasks.Count; task++)
        {
            var labels = records.Select(r => r.Labels[task]).ToArray();
            var scores = predictions.Select(p => p.Values[task]).ToArray();
            parts.Add(model.Tasks[task].Type == "regression"
                ? $"{model.Tasks[task].Name} Pearson {RegressionMetrics.Pearson(labels, scores):F3}"
                : $"{model.Tasks[task].Name} AUROC {ClassificationMetrics.AreaUnderRoc(labels, scores):F3}");
        }
        return string.Join(", ", parts);
    }
}
