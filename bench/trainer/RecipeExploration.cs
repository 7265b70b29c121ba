using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using RbpPipeline.Trainer.Metrics;
using RbpPipeline.Trainer.Networks;
using RbpPipeline.Trainer.Pipeline;
using RbpPipeline.Trainer.Training;

namespace RbpPipeline.Bench.Trainer;

/// <summary>
/// Recipe search on validation data only: trains members of several seeds on one fixed split of each model's data
/// (the split follows the model's seed, the members' initial weights and shuffles follow their own seed, so their
/// validation predictions can be averaged), and prints per member the validation AUROC of every epoch and the CPU
/// seconds, then the AUROC of the mean predicted probability of the members, which is what a seed ensemble would
/// score. Test files are read by the prepare step but never predicted.
/// Usage: explore &lt;pipeline.yaml&gt; --out DIR [--data DIR] [--threads N] [--seeds 1,2] [--only name,...]
/// </summary>
public static class RecipeExploration
{
    public static int Run(string[] args)
    {
        string Option(string name, string fallback)
        {
            var i = Array.IndexOf(args, name);
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
        }
        var output = Option("--out", "runs/explore");
        var data = Option("--data", "");
        var threads = int.Parse(Option("--threads", "1"), CultureInfo.InvariantCulture);
        var seeds = Option("--seeds", "1").Split(',').Select(s => ulong.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        var only = Option("--only", "").Split(',', StringSplitOptions.RemoveEmptyEntries);

        var config = PipelineLoader.Load(args[1], ArchitectureCatalog.Default);
        var plans = PipelinePlanner.Plan(config, data.Length == 0 ? null : data)
            .Where(p => only.Length == 0 || only.Any(o => p.Name == o || p.Model.Name == o || p.Name.StartsWith(o + "-", StringComparison.Ordinal)));
        foreach (var plan in plans)
        {
            var architecture = ArchitectureCatalog.Default.Find(plan.Model.Architecture)!;
            var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
            var prepared = ModelData.Prepare(plan, architecture, new FileHashes());
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{plan.Name}: prepared {prepared.Train.Count}/{prepared.Validation.Count} records in {(Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds:F0} CPU s"));
            var validation = prepared.Validation;
            var columns = validation.LabelColumns;
            var records = validation.RawLabels.Length / columns;
            // One AUROC per label column over the records labelled in it (a multi-task split labels each record in its
            // own experiment's column only).
            var labelled = Enumerable.Range(0, columns)
                .Select(t => Enumerable.Range(0, records).Where(i => !float.IsNaN(validation.RawLabels[i * columns + t])).ToArray()).ToArray();
            double[] Column(IReadOnlyList<float> values, int t) => [.. labelled[t].Select(i => (double)values[i * columns + t])];
            var labels = Enumerable.Range(0, columns).Select(t => Column(validation.RawLabels, t)).ToArray();
            var sum = Enumerable.Range(0, columns).Select(t => new double[labelled[t].Length]).ToArray();
            var folder = Path.Combine(output, plan.Name);
            Directory.CreateDirectory(folder);
            foreach (var seed in seeds)
            {
                var options = ModelData.Options(plan, architecture) with { Seed = seed, Threads = threads };
                var augmentation = ModelData.Augmentation(plan);
                var start = Process.GetCurrentProcess().TotalProcessorTime;
                using var outcome = ModelTrainer.Train(new TrainingRequest
                {
                    Architecture = architecture,
                    Shape = prepared.Shape,
                    Hyperparameters = plan.Model.Hyperparameters,
                    Train = prepared.Train,
                    Validation = validation,
                    Tasks = prepared.Tasks,
                    Options = options,
                    StatePath = Path.Combine(folder, $"seed-{seed}.state.safetensors"),
                    ConfigHash = ModelData.ConfigHash(plan, architecture) + "/member-seed-" + seed,
                    Augmentation = augmentation is null ? null : new RbpPipeline.Trainer.Augmentation.SequenceAugmenter(augmentation with { Seed = seed }),
                });
                var cpu = (Process.GetCurrentProcess().TotalProcessorTime - start).TotalSeconds;
                var logits = Evaluation.Predict(outcome.Network, validation);
                var curve = string.Join(" ", outcome.History.Select(h => h.Monitor.ToString("F4", CultureInfo.InvariantCulture) + (h.LrDecayed ? "v" : "")));
                var tasks = new List<object>();
                for (var t = 0; t < columns; t++)
                {
                    var probabilities = Column(logits, t).Select(z => 1 / (1 + Math.Exp(-z))).ToArray();
                    for (var i = 0; i < probabilities.Length; i++) sum[t][i] += probabilities[i];
                    var auroc = ClassificationMetrics.AreaUnderRoc(labels[t], probabilities);
                    var task = columns == 1 ? "" : " " + prepared.Tasks[t].Name;
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{plan.Name}{task} seed {seed}: best val auroc {auroc:F4} at epoch {outcome.BestEpoch}/{outcome.History.Count}, {cpu:F0} CPU s (this process, incl. resumed epochs: {outcome.ResumedAfterEpoch}) | per epoch: {curve}"));
                    tasks.Add(new { task = prepared.Tasks[t].Name, auroc, validationProbabilities = probabilities, validationLabels = labels[t] });
                }
                File.WriteAllText(Path.Combine(folder, $"seed-{seed}.json"), JsonSerializer.Serialize(new
                {
                    seed, bestEpoch = outcome.BestEpoch, cpuSeconds = cpu, resumedAfterEpoch = outcome.ResumedAfterEpoch,
                    history = outcome.History, tasks,
                }));
            }
            if (seeds.Length > 1)
                for (var t = 0; t < columns; t++)
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{plan.Name} {prepared.Tasks[t].Name} ensemble of {seeds.Length} (mean probability): val auroc {ClassificationMetrics.AreaUnderRoc(labels[t], sum[t]):F4}"));
        }
        return 0;
    }
}
