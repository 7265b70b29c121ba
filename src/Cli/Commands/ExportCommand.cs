using System.CommandLine;
using System.Globalization;
using RbpPipeline.Contracts.Manifests;
using RbpPipeline.Exporter;
using RbpPipeline.Exporter.Parity;
using RbpPipeline.Trainer.Checkpoints;

namespace RbpPipeline.Cli.Commands;

/// <summary>
/// `rbp export &lt;checkpoint-dir&gt; [--repo models/] [--name N] [--version N] [--gradient-of logit|probability]`: writes
/// model.onnx and gradient.onnx for a checkpoint, checks both against libtorch (the parity gate) and publishes them
/// as an immutable version of the model repository.
/// </summary>
public static class ExportCommand
{
    public static Command Create()
    {
        var checkpoint = new Argument<DirectoryInfo>("checkpoint") { Description = "Checkpoint folder (weights.safetensors + manifest.json)" };
        var repo = new Option<DirectoryInfo>("--repo") { Description = "Model repository (Triton layout)", DefaultValueFactory = _ => new DirectoryInfo("models") };
        var name = new Option<string?>("--name") { Description = "Model name (default: the checkpoint's name)" };
        var version = new Option<int?>("--version") { Description = "Version to publish (default: the next one); an existing version is never overwritten" };
        var gradientOf = new Option<string>("--gradient-of")
        {
            Description = "What gradient.onnx differentiates for classification tasks: logit or probability",
            DefaultValueFactory = _ => "logit",
        };
        gradientOf.AcceptOnlyFromAmong("logit", "probability");
        var dryRun = new Option<bool>("--dry-run") { Description = "Build and verify the graphs but publish nothing" };
        var command = new Command("export", "Export a checkpoint to ONNX (model.onnx + gradient.onnx), verify parity with libtorch, publish to the model repository")
        {
            checkpoint, repo, name, version, gradientOf, dryRun,
        };
        command.SetAction(async (parse, ct) =>
        {
            var options = new ExportOptions
            {
                Repository = parse.GetValue(repo)!.FullName,
                Name = parse.GetValue(name),
                Version = parse.GetValue(version),
                GradientOf = parse.GetValue(gradientOf) == "probability" ? GradientSpace.Probability : GradientSpace.Logit,
                Publish = !parse.GetValue(dryRun),
                Log = Console.Out,
            };
            if (options.Version is < 1)
            {
                Console.Error.WriteLine("rbp export: --version must be at least 1");
                return CliExitCodes.Usage;
            }
            return await RunAsync(parse.GetValue(checkpoint)!.FullName, options, Console.Error, ct);
        });
        return command;
    }

    public static async Task<int> RunAsync(string checkpoint, ExportOptions options, TextWriter error, CancellationToken ct)
    {
        try
        {
            var result = await ModelExporter.ExportAsync(checkpoint, options, ct);
            options.Log?.WriteLine(result.Published
                ? string.Create(CultureInfo.InvariantCulture, $"rbp export: {result.Name} version {result.Version} → {result.Folder}")
                : $"rbp export: {result.Name} verified (dry run, nothing published)");
            return CliExitCodes.Success;
        }
        catch (ParityException e)
        {
            error.WriteLine($"rbp export: {e.Message}");
            return CliExitCodes.Failure;
        }
        catch (Exception e) when (e is ExportException or CheckpointException or ArgumentException or IOException or ManifestException)
        {
            error.WriteLine($"rbp export: {e.Message}");
            return CliExitCodes.Failure;
        }
    }
}
