using System.Text.Json;
using RbpPipeline.Contracts.SequenceEncoding;
using RbpPipeline.Trainer.Checkpoints;
using RbpPipeline.Trainer.Data;
using RbpPipeline.Trainer.Metrics;
using RbpPipeline.Trainer.Networks;
using RbpPipeline.Trainer.Pipeline;
using RbpPipeline.Trainer.Synthetic;
using RbpPipeline.Trainer.Training;
using static TorchSharp.torch;

namespace RbpPipeline.Trainer.Tests.Pipeline;

/// <summary>
/// A folder of CLIP-like experiments (the synthetic generator's clip-experiments/: PUM2, QKI, HNRNPC motifs) read as
/// one multi-task data set with a head per experiment: labels masked outside each record's own experiment, a batch of
/// one experiment moving only its own head, per-experiment test figures, and each head learning its own motif.
/// </summary>
public sealed class ExperimentsMultiTaskTests(ITestOutputHelper output)
{
    private const string Yaml = """
        version: 1
        seed: 2
        data_root: data
        stages: [prepare, train, evaluate]
        datasets:
          clip-all:
            format: fasta
            experiments: "*"
            train: clip-experiments/{rbp}/train.fa.gz
            test: clip-experiments/{rbp}/test.fa.gz
        models:
          mt:
            architecture: residualbind
            dataset: clip-all
            hyperparameters: { filters: 16, dense: 32 }
            heads: { features: 16, hidden: 8 }
            encoding: { length: 41 }
            training: { epochs: 8, batch_size: 32, learning_rate: 0.003, early_stopping: 0 }
        """;

    private static (TempFolder Folder, string Yaml) Write(double scale)
    {
        var temp = new TempFolder();
        DefaultDataWriter.Write(temp.File("data"), DefaultDataSets.Generate(seed: 3, scale: scale), seed: 3);
        File.WriteAllText(temp.File("pipeline.yaml"), Yaml);
        return (temp, temp.File("pipeline.yaml"));
    }

    [Fact]
    public void A_folder_of_experiments_is_one_model_with_a_task_per_experiment_and_labels_only_for_its_own()
    {
        var (temp, yaml) = Write(0.05);
        using var _ = temp;
        var config = PipelineLoader.Load(yaml, ArchitectureCatalog.Default);
        var plan = Assert.Single(PipelinePlanner.Plan(config));
        Assert.Equal(["HNRNPC", "PUM2", "QKI"], plan.Dataset.TaskNames);
        Assert.Equal("multihead", plan.Model.Architecture);
        Assert.Equal(6, plan.Dataset.Files.Count());

        var data = ModelData.Prepare(plan, ArchitectureCatalog.Default.Get(plan.Model.Architecture), new FileHashes());
        foreach (var split in new[] { data.Train, data.Validation, data.Test })
            for (var i = 0; i < split.Count; i++)
                Assert.Equal(1, Enumerable.Range(0, 3).Count(t => !float.IsNaN(split.RawLabels[i * 3 + t])));
        var experiments = DefaultDataSets.Generate(seed: 3, scale: 0.05).Experiments.OrderBy(e => e.Name, StringComparer.Ordinal).ToList();
        // The test split is each experiment's own test file, labelled in its own column only.
        for (var t = 0; t < 3; t++)
        {
            Assert.Equal(experiments[t].Test.Examples.Count, Enumerable.Range(0, data.Test.Count).Count(i => !float.IsNaN(data.Test.RawLabels[i * 3 + t])));
            // Each experiment's validation part is carved from its own training file.
            Assert.True(Enumerable.Range(0, data.Validation.Count).Count(i => !float.IsNaN(data.Validation.RawLabels[i * 3 + t])) > 0);
        }
        Assert.Equal(experiments.Sum(e => e.Train.Examples.Count), data.Train.Count + data.Validation.Count);
    }

    [Fact]
    public void The_masked_loss_of_one_experiments_batch_is_its_mean_BCE_and_moves_only_its_own_head()
    {
        var shape = new NetworkShape([new NetworkInput("sequence", 4, 30)], 3);
        var hp = RbpPipeline.Trainer.Networks.Models.MultiHead.Hyperparameters("residualbind", new Dictionary<string, JsonElement>
        {
            ["filters"] = JsonSerializer.SerializeToElement(4), ["dense"] = JsonSerializer.SerializeToElement(8),
        }, features: 6, hidden: 5);
        manual_seed(4);
        using var network = Architectures.Get("multihead").Create(shape, hp);
        using var scope = NewDisposeScope();
        var x = randn(5, 4, 30);
        // Five records of experiment 1 (column 1); the other columns are missing.
        float[] labels = [float.NaN, 1, float.NaN, float.NaN, 0, float.NaN, float.NaN, 1, float.NaN, float.NaN, 0, float.NaN, float.NaN, 1, float.NaN];
        var output = network.Forward([x]);
        var loss = MaskedLoss.Compute(LossKind.Bce, output, tensor(labels, [5, 3]));
        loss.backward();

        // Closed form: the mean of −y log σ(z) − (1 − y) log(1 − σ(z)) over the five present labels.
        var z = output.detach().data<float>().ToArray();
        var expected = Enumerable.Range(0, 5).Average(i =>
        {
            double zi = z[i * 3 + 1], y = labels[i * 3 + 1];
            return Math.Max(zi, 0) - zi * y + Math.Log(1 + Math.Exp(-Math.Abs(zi)));
        });
        Assert.Equal(expected, loss.item<float>(), 5);

        var grads = network.Module.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad is { } g ? g.abs().max().item<float>() : 0f);
        Assert.All(grads.Where(g => g.Key.StartsWith("heads.0.", StringComparison.Ordinal) || g.Key.StartsWith("heads.2.", StringComparison.Ordinal)),
            g => Assert.Equal(0f, g.Value));
        Assert.All(grads.Where(g => g.Key.StartsWith("heads.1.", StringComparison.Ordinal)), g => Assert.True(g.Value > 0, g.Key));
        Assert.Contains(grads, g => g.Key.StartsWith("trunk.", StringComparison.Ordinal) && g.Value > 0);
        Assert.Equal(4, grads.Keys.Count(k => k.StartsWith("heads.1.", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Each_head_learns_its_own_experiments_motif_and_evaluation_reports_each_experiment()
    {
        var (temp, yaml) = Write(0.2);
        using var _ = temp;
        var log = new StringWriter();
        var outcomes = await new PipelineRunner(ArchitectureCatalog.Default, TrainerStages.All, log)
            .RunAsync(PipelineLoader.Load(yaml, ArchitectureCatalog.Default), new PipelineRunOptions { OutputRoot = temp.File("runs"), Threads = 2 },
                TestContext.Current.CancellationToken);
        output.WriteLine(log.ToString());
        Assert.All(outcomes, o => Assert.True(o.Failure is null, o.Failure?.ToString()));

        using (var evaluation = JsonDocument.Parse(File.ReadAllText(temp.File("runs/mt/evaluation.json"))))
        {
            var tasks = evaluation.RootElement.GetProperty("splits").GetProperty("test").GetProperty("tasks").EnumerateArray().ToList();
            Assert.Equal(["HNRNPC", "PUM2", "QKI"], tasks.Select(t => t.GetProperty("task").GetString()));
            // Each experiment's figure is on its own test file only.
            var sizes = DefaultDataSets.Generate(seed: 3, scale: 0.2).Experiments.OrderBy(e => e.Name, StringComparer.Ordinal).Select(e => e.Test.Examples.Count);
            Assert.Equal(sizes, tasks.Select(t => t.GetProperty("count").GetInt32()));
            // HNRNPC's and PUM2's motifs are learned within these few epochs; QKI's shorter, degenerate one not always.
            foreach (var t in tasks.Take(2)) Assert.True(t.GetProperty("auroc").GetDouble() > 0.75, t.ToString());
        }

        // Specificity: on the same random backgrounds with a PUM2 or an HNRNPC site planted at the centre, the PUM2 head
        // ranks the PUM2 sequences first and the HNRNPC head the HNRNPC sequences.
        var checkpoint = Checkpoint.Open(temp.File("runs/mt/checkpoint"));
        using var network = checkpoint.CreateNetwork(Architectures.Get("multihead"));
        var random = DeterministicRandom.For(9, "planted");
        var backgrounds = Enumerable.Range(0, 60).Select(_ => new string([.. Enumerable.Range(0, 101).Select(_ => "ACGU"[random.NextInt(4)])])).ToList();
        string Plant(string s, string site) => s[..46] + site + s[(46 + site.Length)..];
        var sequences = backgrounds.Select(b => Plant(b, "UGUAAAUA")).Concat(backgrounds.Select(b => Plant(b, "UUUUUU"))).ToList();
        var encoded = new SequenceEncoder(checkpoint.Manifest.Encoding).EncodeBatch(sequences);
        float[] logits;
        using (var scope = NewDisposeScope())
        using (no_grad())
            logits = network.Forward([tensor(encoded, [sequences.Count, 4, 41])]).contiguous().data<float>().ToArray();
        double Auroc(int head, bool pum2First)
        {
            var scores = Enumerable.Range(0, sequences.Count).Select(i => (double)logits[i * 3 + head]).ToArray();
            var labels = Enumerable.Range(0, sequences.Count).Select(i => (i < 60) == pum2First ? 1.0 : 0.0).ToArray();
            return ClassificationMetrics.AreaUnderRoc(labels, scores);
        }
        output.WriteLine($"PUM2 head: AUROC(PUM2 vs HNRNPC sites) {Auroc(1, true):F3}; HNRNPC head: AUROC(HNRNPC vs PUM2 sites) {Auroc(0, false):F3}");
        Assert.True(Auroc(1, true) > 0.8, $"the PUM2 head prefers PUM2 sites: {Auroc(1, true)}");
        Assert.True(Auroc(0, false) > 0.8, $"the HNRNPC head prefers HNRNPC sites: {Auroc(0, false)}");
    }
}
