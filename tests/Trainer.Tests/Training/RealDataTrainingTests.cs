using System.Diagnostics;
using System.Text.Json;
using RbpPipeline.Trainer.Checkpoints;
using RbpPipeline.Trainer.Pipeline;

namespace RbpPipeline.Trainer.Tests.Training;

/// <summary>
/// ResidualBind on the published data through the whole pipeline (prepare, train, evaluate), skipped where
/// ../shared/data is absent. Bounded for CI (2 cores, 90 minutes for the whole suite): one epoch, one thread, the
/// architecture's default network. Measured values and times are in BENCHMARKS.md (## Trainer).
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class RealDataTrainingTests(ITestOutputHelper output)
{
    private JsonElement RunPipeline(string yaml, string model)
    {
        using var folder = new TempFolder();
        var file = folder.File("pipeline.yaml");
        File.WriteAllText(file, yaml);
        var log = new StringWriter();
        var clock = Stopwatch.StartNew();
        new PipelineRunner(ArchitectureCatalog.Default, TrainerStages.All, log)
            .RunAsync(PipelineLoader.Load(file, ArchitectureCatalog.Default),
                new PipelineRunOptions { OutputRoot = folder.File("runs"), DataRoot = RepoPaths.SharedData, Threads = 1 },
                TestContext.Current.CancellationToken).GetAwaiter().GetResult();
        output.WriteLine(log.ToString());
        output.WriteLine($"{model}: {clock.Elapsed.TotalSeconds:F0} s");
        var checkpoint = Checkpoint.Open(folder.File($"runs/{model}/checkpoint"));
        Assert.Equal("residualbind", checkpoint.Manifest.Architecture.Name);
        using var evaluation = JsonDocument.Parse(File.ReadAllText(folder.File($"runs/{model}/{EvaluateStage.OutputFile}")));
        return evaluation.RootElement.GetProperty("splits").GetProperty("test").Clone();
    }

    [Fact]
    public void ResidualBind_on_the_PUM2_CLIP_set_comes_near_the_published_test_AUROC()
    {
        RepoPaths.RequireSharedData("clip-ideeps/23_PARCLIP_PUM2_hg19/train.fa.gz");
        const string yaml = """
            stages: [prepare, train, evaluate]
            datasets:
              pum2:
                format: fasta
                train: clip-ideeps/23_PARCLIP_PUM2_hg19/train.fa.gz
                test: clip-ideeps/23_PARCLIP_PUM2_hg19/test.fa.gz
            models:
              rb-pum2:
                architecture: residualbind
                dataset: pum2
                encoding: { length: 101 }
                training: { epochs: 1, batch_size: 100, learning_rate: 0.001, loss: bce, monitor: auroc }
            """;

        var test = RunPipeline(yaml, "rb-pum2");

        var auroc = test.GetProperty("summary").GetProperty("auroc").GetDouble();
        output.WriteLine($"test AUROC {auroc:F4} (published iDeepS 0.962)");
        Assert.Equal(10_000, test.GetProperty("records").GetInt32());
        Assert.True(auroc >= 0.90, $"test AUROC {auroc:F4} is more than a few points below the published 0.962");
    }

    [Fact]
    public void ResidualBind_regression_on_RNCMPT00001_reports_test_pearson()
    {
        RepoPaths.RequireSharedData("rnacompete-dlprb/RNCMPT00001_train.txt.gz");
        const string yaml = """
            stages: [prepare, train, evaluate]
            datasets:
              rnc1:
                format: rnacompete
                train: rnacompete-dlprb/RNCMPT00001_train.txt.gz
                test: rnacompete-dlprb/RNCMPT00001_test.txt.gz
            models:
              rb-rnc1:
                architecture: residualbind
                dataset: rnc1
                encoding: { length: 41 }
                label_transform: [{ kind: clip, upper_percentile: 99.9 }, zscore]
                training: { epochs: 1, batch_size: 100, learning_rate: 0.001 }
            """;

        var test = RunPipeline(yaml, "rb-rnc1");

        var pearson = test.GetProperty("summary").GetProperty("pearson").GetDouble();
        output.WriteLine($"test Pearson {pearson:F4} (published on the full sets: DLPRB 0.679, ThermoNet 0.751)");
        Assert.Equal(30_000, test.GetProperty("records").GetInt32());
        Assert.True(pearson >= 0.45, $"test Pearson {pearson:F4}");
    }
}
