// Runs the prepare, train and evaluate stages of a pipeline file and prints one Markdown row per model: test
// metrics (from evaluation.json), epochs, seconds per epoch and the published figure when given.
// Usage: Program <pipeline.yaml> --out DIR [--data DIR] [--threads N] [--published name=value,...]
using System.Globalization;
using System.Text.Json;
using RbpPipeline.Trainer.Pipeline;

if (args.Length > 0 && args[0] == "explore") return RbpPipeline.Bench.Trainer.RecipeExploration.Run(args);
if (args.Length > 0 && args[0] == "served") return RbpPipeline.Bench.Trainer.ServedEvaluation.Run(args);
var file = args[0];
string Option(string name, string fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
}
var output = Option("--out", "runs/bench-trainer");
var data = Option("--data", "");
var threads = int.Parse(Option("--threads", "0"), CultureInfo.InvariantCulture);
var only = Option("--only", "").Split(',', StringSplitOptions.RemoveEmptyEntries);
var published = Option("--published", "").Split(',', StringSplitOptions.RemoveEmptyEntries)
    .Select(p => p.Split('=')).ToDictionary(p => p[0], p => p[1]);

var config = PipelineLoader.Load(file, ArchitectureCatalog.Default);
var runner = new PipelineRunner(ArchitectureCatalog.Default, TrainerStages.All, Console.Error);
var outcomes = await runner.RunAsync(config, new PipelineRunOptions
{
    OutputRoot = output, DataRoot = data.Length == 0 ? null : data, Threads = threads, Stages = ["prepare", "train", "evaluate"], Only = only.Length == 0 ? null : only,
});

Console.WriteLine("| model | architecture | test metric | value | published | epochs (best) | s/epoch | threads |");
Console.WriteLine("|---|---|---|---:|---:|---:|---:|---:|");
foreach (var model in outcomes.Select(o => o.Model).Distinct())
{
    var folder = Path.Combine(output, model);
    using var evaluation = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "evaluation.json")));
    using var training = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "checkpoint", "training.json")));
    var summary = evaluation.RootElement.GetProperty("splits").GetProperty("test").GetProperty("summary");
    var metric = summary.TryGetProperty("auroc", out _) ? "auroc" : "pearson";
    var t = training.RootElement;
    var epochs = t.GetProperty("history").GetArrayLength();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| {model} | {evaluation.RootElement.GetProperty("architecture").GetString()} | {metric} | {summary.GetProperty(metric).GetDouble():F3} | " +
        $"{published.GetValueOrDefault(model, "")} | {epochs} ({t.GetProperty("bestEpoch").GetInt32()}) | {t.GetProperty("secondsPerEpoch").GetDouble():F1} | {t.GetProperty("threads").GetInt32()} |"));
}
return 0;
