using RbpPipeline.Exporter.Parity;
using RbpPipeline.Exporter.Pipeline;
using RbpPipeline.Exporter.Repository;
using RbpPipeline.Trainer.Data;
using RbpPipeline.Trainer.Pipeline;
using RbpPipeline.Trainer.Synthetic;

namespace RbpPipeline.Exporter.Tests;

/// <summary>
/// A fan-out through every stage where one data set is broken and one model is refused by the parity gate: the third
/// model is still trained, exported and published, and each failure is one line naming its model and stage.
/// </summary>
public sealed class KeepGoingExportTests(ITestOutputHelper output)
{
    private const string Yaml = """
        version: 1
        seed: 3
        repository: models
        stages: [prepare, train, export, publish]
        datasets:
          clip:
            format: fasta
            each: [a, b, c]
            train: clip/{rbp}/train.fa.gz
            test: clip/{rbp}/test.fa.gz
        models:
          rb:
            architecture: residualbind
            dataset: clip
            hyperparameters: { filters: 8, dense: 16 }
            encoding: { length: 101 }
            training: { epochs: 1, batch_size: 50 }
        """;

    /// <summary>The real export stage, except that the gate refuses one model (as it refused IGF2BP1-3 once).</summary>
    private sealed class RefusingExport(string model) : IStageHandler
    {
        private readonly ExportStage _real = new();
        public string Name => _real.Name;
        public string Fingerprint(StageContext context) => _real.Fingerprint(context);
        public bool OutputsExist(StageContext context) => _real.OutputsExist(context);
        public bool IsRefusal(Exception error) => ((IStageHandler)_real).IsRefusal(error);

        public Task<string> RunAsync(StageContext context, CancellationToken cancellationToken)
        {
            if (context.Plan.Name != model) return _real.RunAsync(context, cancellationToken);
            var comparison = new ParityComparison("gradient.onnx", "grad_sequence", "libtorch autograd", 3.1e-3, 1.4e-3, 440, 12928)
            {
                Samples = 32, SamplesOutside = 9, AllowedSamples = 4,
            };
            throw new ParityException(model, new ParityOutcome([comparison], ParityTolerance.Default, 32));
        }
    }

    [Fact]
    public async Task The_sound_model_is_published_while_the_broken_and_the_refused_ones_are_reported()
    {
        using var temp = new TempFolder();
        foreach (var name in new[] { "a", "b", "c" })
        {
            var options = new ClipLikeOptions { Positives = 40 };
            DataWriters.WriteFasta(temp.File($"clip/{name}/train.fa.gz"), ClipLikeGenerator.Generate(options, DeterministicRandom.For(1, name)).Records);
            DataWriters.WriteFasta(temp.File($"clip/{name}/test.fa.gz"), ClipLikeGenerator.Generate(options with { Positives = 10 }, DeterministicRandom.For(2, name)).Records);
        }
        File.WriteAllText(temp.File("clip/b/test.fa.gz"), "> chr1,+,100,200; class:1\nACGUXACGU\n");
        File.WriteAllText(temp.File("pipeline.yaml"), Yaml);
        var log = new StringWriter();

        var outcomes = await new PipelineRunner(ArchitectureCatalog.Default, PipelineRunner.WithTrainerStages(new RefusingExport("rb-c"), new PublishStage()), log)
            .RunAsync(PipelineLoader.Load(temp.File("pipeline.yaml"), ArchitectureCatalog.Default),
                new PipelineRunOptions { OutputRoot = temp.File("runs"), Threads = 1 }, TestContext.Current.CancellationToken);
        output.WriteLine(log.ToString());

        Assert.All(outcomes.Where(o => o.Model == "rb-a"), o => Assert.Equal(StageStatus.Ran, o.Status));
        Assert.Equal([1], new ModelRepository(temp.File("models")).Versions("rb-a"));
        Assert.Empty(new ModelRepository(temp.File("models")).Versions("rb-b"));
        Assert.Empty(new ModelRepository(temp.File("models")).Versions("rb-c"));
        Assert.Equal(["rb-b", "rb-c"], FailureReport.Failed(outcomes));
        Assert.Equal(["rb-a"], FailureReport.Succeeded(outcomes));
        var failures = log.ToString().Split('\n').Where(l => l.Contains("FAILED", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, failures.Count);
        Assert.StartsWith("[rb-b] prepare: FAILED — ", failures[0]);
        Assert.Contains("is not a nucleotide", failures[0]);
        // The gate's refusal: one line with the failing comparison, no stack trace, the full report in failures.json.
        Assert.StartsWith("[rb-c] export: FAILED — parity gate refused to publish 'rb-c'", failures[1]);
        Assert.Contains("grad_sequence", failures[1]);
        var refusal = outcomes.Single(o => o.Model == "rb-c" && o.Stage == "export").Failure!;
        Assert.True(refusal.Refusal);
        Assert.Null(refusal.Detail);
        Assert.Equal(StageStatus.NotAttempted, outcomes.Single(o => o.Model == "rb-c" && o.Stage == "publish").Status);
        Assert.Contains("FAIL gradient.onnx grad_sequence", File.ReadAllText(temp.File("runs/failures.json")));
    }
}
