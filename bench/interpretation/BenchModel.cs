using RbpPipeline.Exporter.Pipeline;
using RbpPipeline.Trainer.Data;
using RbpPipeline.Trainer.Pipeline;
using RbpPipeline.Trainer.Synthetic;

namespace RbpPipeline.Bench.Interpretation;

/// <summary>
/// The benchmark's model: the demo's CLIP-like ResidualBind (101 nt, filters 32, dense 64) trained briefly on the
/// Trainer's synthetic data, then exported and published by the pipeline's own stages into a repository the server
/// loads. The work folder is kept between runs: the pipeline skips stages whose inputs did not change, so only the
/// first run pays for training.
/// </summary>
public sealed class BenchModel
{
    public const string Name = "residualbind-clip";
    public const int Length = 101;

    // The demo's model (pipeline.yaml), with fewer epochs: speed does not depend on how well it is trained, but a
    // trained model has realistic activations (ReLU sparsity) and makes the attributions meaningful.
    private const string PipelineYaml = """
        version: 1
        seed: 1
        data_root: data
        repository: models
        stages: [prepare, train, evaluate, export, publish]
        datasets:
          clip-like:
            format: fasta
            task: binary
            tasks: [PUM2]
            train: clip-like/train.fa.gz
            test: clip-like/test.fa.gz
            validation_fraction: 0.1
        models:
          residualbind-clip:
            architecture: residualbind
            dataset: clip-like
            hyperparameters: { filters: 32, dense: 64 }
            encoding: { length: 101, policy: centre }
            training: { epochs: 3, batch_size: 100, learning_rate: 0.003, loss: bce, monitor: auroc }
        """;

    private const ulong DataSeed = 8;
    private const double DataScale = 0.5; // 5,000 training sequences: enough for a few seconds per epoch

    private BenchModel(string work) => Work = work;

    public string Work { get; }

    public string Repository => Path.Combine(Work, "models");

    public string CheckpointFolder => Path.Combine(Work, "runs", Name, "checkpoint");

    public string ModelOnnx => Path.Combine(Repository, Name, LatestVersion(), "model.onnx");

    /// <summary>Writes the data when missing and runs prepare → publish (stages already done are skipped).</summary>
    public static async Task<BenchModel> PrepareAsync(string work, TextWriter log, CancellationToken ct)
    {
        Directory.CreateDirectory(work);
        var model = new BenchModel(Path.GetFullPath(work));
        if (!File.Exists(model.DataFile("train.fa.gz")))
            DefaultDataWriter.Write(Path.Combine(model.Work, "data"), DefaultDataSets.Generate(DataSeed, DataScale), DataSeed);
        var yaml = Path.Combine(model.Work, "pipeline.yaml");
        await File.WriteAllTextAsync(yaml, PipelineYaml, ct);
        var config = PipelineLoader.Load(yaml, ArchitectureCatalog.Default);
        var runner = new PipelineRunner(ArchitectureCatalog.Default, PipelineRunner.WithTrainerStages(ExporterStages.All), log);
        var outcomes = await runner.RunAsync(config,
            new PipelineRunOptions { OutputRoot = Path.Combine(model.Work, "runs"), Threads = Environment.ProcessorCount }, ct);
        foreach (var outcome in outcomes) log.WriteLine($"# {outcome.Stage}: {outcome.Status} {outcome.Summary}");
        return model;
    }

    /// <summary>Held-out sequences (inputs to explain).</summary>
    public IReadOnlyList<string> TestSequences() => [.. FastaReader.Read(DataFile("test.fa.gz")).Select(r => r.Sequence)];

    /// <summary>Training sequences (the GIA reference set the backgrounds are shuffled from).</summary>
    public IReadOnlyList<string> TrainingSequences() => [.. FastaReader.Read(DataFile("train.fa.gz")).Select(r => r.Sequence)];

    private string DataFile(string name) => Path.Combine(Work, "data", "clip-like", name);

    /// <summary>The newest published version's folder name; the server serves the newest by default.</summary>
    private string LatestVersion() =>
        Directory.GetDirectories(Path.Combine(Repository, Name)).Select(Path.GetFileName)
            .Select(v => long.TryParse(v, out var n) ? n : -1).Max().ToString(System.Globalization.CultureInfo.InvariantCulture);
}
