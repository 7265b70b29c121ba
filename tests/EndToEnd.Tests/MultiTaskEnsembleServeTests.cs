using RbpPipeline.Contracts.Rbp.V1;
using RbpPipeline.Exporter.Repository;
using RbpPipeline.Trainer.Checkpoints;
using RbpPipeline.Trainer.Data;
using RbpPipeline.Trainer.Networks.Models;
using RbpPipeline.Trainer.Synthetic;

namespace RbpPipeline.EndToEnd.Tests;

/// <summary>
/// The CLIP preset's multi-task members (docs/clip-recipe.md). On a folder of experiments the entry becomes an
/// ensemble of multi-task members, one graph with a raw output per experiment; on a fan-out data set each experiment's
/// ensemble takes its own head of multi-task members trained once on all the experiments. Either way the served
/// logit is the mean of the members' own libtorch outputs for that experiment.
/// </summary>
public sealed class MultiTaskEnsembleServeTests(ITestOutputHelper output)
{
    // Small networks and one epoch keep it quick; every key written overrides the preset's one by one.
    private const string PipelineYaml = """
        version: 1
        seed: 4
        data_root: data
        repository: models
        stages: [prepare, train, evaluate, export, publish]
        datasets:
          clip: { format: fasta, DATASET, train: "clip-experiments/{rbp}/train.fa.gz", test: "clip-experiments/{rbp}/test.fa.gz" }
        models:
          clip:
            preset: clip-binary
            dataset: clip
            hyperparameters: { filters: 8, dense: 16 }
            encoding: { length: 41 }
            training: { epochs: 1, batch_size: 32 }
        """;

    private static readonly string[] Experiments = ["HNRNPC", "PUM2", "QKI"];

    private async Task<TempFolder> TrainAsync(string dataset, CancellationToken ct)
    {
        var work = new TempFolder("rbp-mt-ensemble");
        DefaultDataWriter.Write(work.File("data"), DefaultDataSets.Generate(seed: 6, scale: 0.03), seed: 6);
        var yaml = work.File("pipeline.yaml");
        await File.WriteAllTextAsync(yaml, PipelineYaml.Replace("DATASET", dataset), ct);
        var outcomes = await EnsembleTestKit.RunPipelineAsync(yaml, work.File("runs"), output, ct);
        Assert.All(outcomes, o => Assert.True(o.Failure is null, o.Failure?.ToString()));
        return work;
    }

    private static Checkpoint Open(TempFolder work, string model) => Checkpoint.Open(work.File(Path.Combine("runs", model, "checkpoint")));

    private static List<string> Pum2Sequences(TempFolder work) =>
        [.. FastaReader.Read(work.File(Path.Combine("data", "clip-experiments", "PUM2", "test.fa.gz"))).Take(20).Select(r => r.Sequence)];

    private static void AssertServedIsMean(PredictResponse response, double[] mean, string what)
    {
        Assert.True(mean.Distinct().Count() > 1, "the members predict a constant");
        for (var i = 0; i < mean.Length; i++)
            Assert.True(Math.Abs(response.Predictions[i].Raw[0] - mean[i]) <= 1e-4, $"sequence {i}: served logit {response.Predictions[i].Raw[0]} vs {what} {mean[i]}");
    }

    [Fact]
    public async Task The_preset_on_a_folder_of_experiments_serves_the_mean_of_its_multi_task_members_per_experiment()
    {
        var ct = TestContext.Current.CancellationToken;
        using var work = await TrainAsync("""experiments: "*" """, ct);

        // Each member is a multi-task network: a head per experiment on a trunk of the preset's architectures.
        string[] names = ["clip.residualbind-1", "clip.residualbind-2", "clip.residualbind-3", "clip.multiresbind-1", "clip.multiresbind-2"];
        var members = names.Select(m => Open(work, m)).ToList();
        Assert.All(members, m => Assert.Equal("multihead", m.Manifest.Architecture.Name));
        Assert.Equal(["residualbind", "residualbind", "residualbind", "multiresbind", "multiresbind"],
            members.Select(m => MultiHead.Trunk(m.Manifest.Architecture.Hyperparameters[MultiHead.TrunkKey]).Architecture.Name));
        Assert.All(members, m => Assert.Equal(Experiments, m.Manifest.Tasks.Select(t => t.Name)));
        var manifest = new ModelRepository(work.File("models")).Manifest("clip", 1);
        Assert.Equal("ensemble", manifest.Architecture.Name);
        Assert.Equal(Experiments, manifest.Tasks.Select(t => t.Name));

        // The oracle: each member's PUM2 column (index 1 of 3), averaged; the request names the PUM2 task.
        var sequences = Pum2Sequences(work);
        var mean = EnsembleTestKit.MeanMemberLogits([.. members.Select(m => (m, 1, 3))], sequences, members[0].Manifest.Encoding);
        var request = new PredictRequest { Model = "clip", AllowResize = true };
        request.Sequences.AddRange(sequences);
        request.Tasks.Add("PUM2");
        var response = await EnsembleTestKit.PredictOnceAsync(work.File("models"), request, ct);
        Assert.Equal(["PUM2"], response.Tasks);
        AssertServedIsMean(response, mean, "mean of the members' PUM2 heads");
    }

    [Fact]
    public async Task On_a_fan_out_data_set_each_experiments_ensemble_takes_its_head_of_the_shared_multi_task_members()
    {
        var ct = TestContext.Current.CancellationToken;
        using var work = await TrainAsync("""each: "*" """, ct);

        // The shared members trained once (not once per experiment), on all three experiments.
        string[] shared = ["clip.multitask-residualbind", "clip.multitask-multiresbind"];
        Assert.All(shared, s => Assert.Equal(Experiments, Open(work, s).Manifest.Tasks.Select(t => t.Name)));
        Assert.All(Experiments, e => Assert.False(Directory.Exists(work.File(Path.Combine("runs", $"clip-{e}.multitask-residualbind")))));

        // The oracle for clip-PUM2: its five own members and the shared members' PUM2 heads (column 1 of 3), averaged.
        string[] own = ["clip-PUM2.residualbind-1", "clip-PUM2.residualbind-2", "clip-PUM2.residualbind-3", "clip-PUM2.multiresbind-1", "clip-PUM2.multiresbind-2"];
        var manifest = new ModelRepository(work.File("models")).Manifest("clip-PUM2", 1);
        Assert.Equal([.. own, .. shared], manifest.Architecture.Hyperparameters["members"].EnumerateArray().Select(m => m.GetProperty("name").GetString()));
        var sequences = Pum2Sequences(work);
        var members = own.Select(o => (Open(work, o), 0, 1)).Concat(shared.Select(s => (Open(work, s), 1, 3))).ToList();
        var mean = EnsembleTestKit.MeanMemberLogits(members, sequences, members[0].Item1.Manifest.Encoding);
        var request = new PredictRequest { Model = "clip-PUM2", AllowResize = true };
        request.Sequences.AddRange(sequences);
        var response = await EnsembleTestKit.PredictOnceAsync(work.File("models"), request, ct);
        AssertServedIsMean(response, mean, "mean of its members and the shared PUM2 heads");
    }
}
