using RbpPipeline.Contracts.Manifests;
using RbpPipeline.Exporter.Pipeline;
using RbpPipeline.Exporter.Repository;
using RbpPipeline.Trainer.Checkpoints;
using RbpPipeline.Trainer.Pipeline;
using RbpPipeline.Trainer.Synthetic;

namespace RbpPipeline.Exporter.Tests;

/// <summary>
/// An RBP-ADDA entry through every stage, as `rbp train` runs it: its two checkpoints (source path Ms + T, target
/// path Mt + T) export, pass the parity gate and are published as two serving models with the stage figures.
/// </summary>
public sealed class RbpAddaExportTests(ITestOutputHelper output)
{
    private const string Yaml = """
        version: 1
        seed: 5
        data_root: data
        repository: models
        stages: [prepare, train, evaluate, export, publish]
        datasets:
          in-vitro: { format: rnacompete, train: domain-shift/in-vitro_train.txt.gz, test: domain-shift/in-vitro_test.txt.gz }
          in-vivo: { format: rnacompete, train: domain-shift/in-vivo_train.txt.gz, test: domain-shift/in-vivo_test.txt.gz }
        models:
          pum2:
            architecture: rbpadda
            source: in-vitro
            target: in-vivo
            adaptation: { source_epochs: 2, adversarial_iterations: 10, discriminator_warmup: 2, fine_tune_iterations: 4, probe_iterations: 4, batch_size: 64 }
        """;

    private async Task<IReadOnlyList<StageOutcome>> Run(string file, string outputRoot)
    {
        var log = new StringWriter();
        var outcomes = await new PipelineRunner(ArchitectureCatalog.Default, PipelineRunner.WithTrainerStages(ExporterStages.All), log)
            .RunAsync(PipelineLoader.Load(file, ArchitectureCatalog.Default), new PipelineRunOptions { OutputRoot = outputRoot, Threads = 1 },
                TestContext.Current.CancellationToken);
        output.WriteLine(log.ToString() ?? "");
        return outcomes;
    }

    [Fact]
    public async Task Both_paths_are_exported_parity_checked_and_published_with_the_stage_figures()
    {
        using var temp = new TempFolder();
        DefaultDataWriter.Write(temp.File("data"), DefaultDataSets.Generate(seed: 4, scale: 0.05), seed: 4);
        File.WriteAllText(temp.File("pipeline.yaml"), Yaml);

        var outcomes = await Run(temp.File("pipeline.yaml"), temp.File("runs"));

        Assert.Equal(10, outcomes.Count);
        Assert.All(outcomes, o => Assert.Equal(StageStatus.Ran, o.Status));
        var repository = new ModelRepository(temp.File("models"));
        var published = new Dictionary<string, ModelManifest>();
        foreach (var name in new[] { "pum2-source", "pum2-target" })
        {
            Assert.Equal([1], repository.Versions(name));
            var manifest = repository.Manifest(name, 1);
            published[name] = manifest;
            var checkpoint = Checkpoint.Open(temp.File(Path.Combine("runs", name, "checkpoint")));
            Assert.Equal("rbpadda", manifest.Architecture.Name);
            Assert.Equal(checkpoint.Manifest.Files[Checkpoint.WeightsFile].Sha256, manifest.Provenance.CheckpointSha256);
            Assert.Equal(checkpoint.Manifest.Metrics, manifest.Metrics);
            Assert.Equal(checkpoint.Manifest.Tasks, manifest.Tasks);
            Assert.Equal(Contracts.SequenceEncoding.LengthPolicy.Left, manifest.Encoding.LengthPolicy);
            Assert.Equal(41, manifest.Encoding.Length);
            // The gate compared ONNX Runtime with libtorch on the checkpoint's own network, forward and gradient.
            Assert.InRange(manifest.Parity!.Forward.MaxAbsDiff, 0, 1e-4);
            Assert.InRange(manifest.Parity.Gradient!.MaxAbsDiff, 0, 1e-4);
            foreach (var stage in new[] { "pretrain", "adapt", "finetune" })
                foreach (var domain in new[] { "in-vitro-test", "in-vivo-test" })
                    Assert.Contains(manifest.Metrics, m => m.Split == domain && m.Name == $"pearson/{stage}");
            Assert.Contains(manifest.Metrics, m => m is { Split: "test", Name: "pearson" });
        }
        // Two different serving models: the adapted encoder, and each domain's own output scaling.
        Assert.NotEqual(published["pum2-source"].Files["model.onnx"].Sha256, published["pum2-target"].Files["model.onnx"].Sha256);
        Assert.NotEqual(published["pum2-source"].Tasks[0].LabelTransform, published["pum2-target"].Tasks[0].LabelTransform);

        // Nothing changed: nothing is trained, exported or published again.
        var again = await Run(temp.File("pipeline.yaml"), temp.File("runs"));
        Assert.All(again, o => Assert.Equal(StageStatus.Skipped, o.Status));
        Assert.Equal([1], repository.Versions("pum2-target"));
    }
}
