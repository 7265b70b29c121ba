using System.Globalization;
using System.Text.Json;
using RbpPipeline.Contracts.Manifests;
using RbpPipeline.Contracts.Storage;
using RbpPipeline.Exporter.Repository;
using RbpPipeline.Trainer.Checkpoints;
using RbpPipeline.Trainer.Pipeline;

namespace RbpPipeline.Exporter.Pipeline;

/// <summary>
/// The pipeline's export and publish stages, for <see cref="PipelineRunner.WithTrainerStages"/>:
/// <c>PipelineRunner.WithTrainerStages(ExporterStages.All)</c>.
/// </summary>
public static class ExporterStages
{
    public static IStageHandler[] All => [new ExportStage(), new PublishStage()];

    /// <summary>The repository publish uses when the pipeline file names none.</summary>
    public const string DefaultRepository = "models";

    internal static string CheckpointDigest(StageContext context) =>
        context.OpenCheckpoint().Manifest.Files[Checkpoint.WeightsFile].Sha256;

    internal static string Summary(ExportResult r) => string.Create(CultureInfo.InvariantCulture,
        $"parity forward max |Δ| {r.Manifest.Parity!.Forward.MaxAbsDiff:G2}, gradient max |Δ| {r.Manifest.Parity.Gradient?.MaxAbsDiff ?? 0:G2} on {r.Parity.BatchSize} inputs");
}

/// <summary>
/// export: builds model.onnx and gradient.onnx from the run's checkpoint and runs the parity gate, without publishing;
/// writes them and the parity report to <c>&lt;run&gt;/export/</c>. A failed gate fails the stage.
/// </summary>
public sealed class ExportStage : IStageHandler
{
    public const string Folder = "export";
    public const string ReportFile = "parity.json";

    public string Name => "export";

    /// <summary>The parity gate's refusal and the Exporter's other checks are reported by their message alone.</summary>
    public bool IsRefusal(Exception error) => error is ExportException;

    public string Fingerprint(StageContext context) => ExporterStages.CheckpointDigest(context);

    public bool OutputsExist(StageContext context) =>
        new[] { ModelExporter.ModelFile, ModelExporter.GradientFile, ReportFile }.All(f => File.Exists(Path.Combine(context.RunFolder, Folder, f)));

    public async Task<string> RunAsync(StageContext context, CancellationToken cancellationToken)
    {
        var result = await ModelExporter.ExportAsync(context.CheckpointFolder, new ExportOptions
        {
            Publish = false,
            Repository = context.Repository ?? ExporterStages.DefaultRepository,
        }, cancellationToken);
        var folder = Path.Combine(context.RunFolder, Folder);
        Directory.CreateDirectory(folder);
        AtomicFile.WriteAllBytes(Path.Combine(folder, ModelExporter.ModelFile), result.Graphs.Model);
        AtomicFile.WriteAllBytes(Path.Combine(folder, ModelExporter.GradientFile), result.Graphs.Gradient);
        var report = new
        {
            model = result.Name,
            passed = result.Parity.Passed,
            tolerance = new { result.Parity.Tolerance.Atol, result.Parity.Tolerance.Rtol, result.Parity.Tolerance.KinkSamples, rule = result.Parity.Tolerance.ToString() },
            batch = result.Parity.BatchSize,
            comparisons = result.Parity.Comparisons.Select(c => new { c.Graph, c.Tensor, c.Reference, c.MaxAbsDiff, c.MaxRelDiff, c.Violations, c.Count, c.SamplesOutside, c.Samples, c.AllowedSamples }),
            gradient = result.Manifest.Gradient,
        };
        AtomicFile.WriteAllText(Path.Combine(folder, ReportFile),
            JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase }) + "\n");
        return $"{result.Graphs.ModelNodes}+{result.Graphs.GradientNodes} ONNX nodes; {ExporterStages.Summary(result)}";
    }
}

/// <summary>
/// publish: exports the run's checkpoint again (deterministic, so the same graphs), passes the gate and publishes the
/// next version to the repository. Skipped while a version exported from the same checkpoint is already there.
/// </summary>
public sealed class PublishStage : IStageHandler
{
    public string Name => "publish";

    public bool IsRefusal(Exception error) => error is ExportException;

    public string Fingerprint(StageContext context) => ExporterStages.CheckpointDigest(context) + "|" + (context.Repository ?? ExporterStages.DefaultRepository);

    public bool OutputsExist(StageContext context)
    {
        var checkpoint = context.OpenCheckpoint();
        var repository = new ModelRepository(context.Repository ?? ExporterStages.DefaultRepository);
        var digest = checkpoint.Manifest.Files[Checkpoint.WeightsFile].Sha256;
        foreach (var version in repository.Versions(checkpoint.Manifest.Name))
        {
            try
            {
                if (repository.Manifest(checkpoint.Manifest.Name, version).Provenance.CheckpointSha256 == digest) return true;
            }
            catch (ManifestException) { /* an unreadable version is not ours */ }
        }
        return false;
    }

    public async Task<string> RunAsync(StageContext context, CancellationToken cancellationToken)
    {
        var result = await ModelExporter.ExportAsync(context.CheckpointFolder, new ExportOptions
        {
            Repository = context.Repository ?? ExporterStages.DefaultRepository,
        }, cancellationToken);
        return $"published {result.Name} version {result.Version} to {result.Folder}; {ExporterStages.Summary(result)}";
    }
}
