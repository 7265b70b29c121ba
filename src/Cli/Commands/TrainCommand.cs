using System.CommandLine;
using RbpPipeline.Trainer.Checkpoints;
using RbpPipeline.Trainer.Pipeline;

namespace RbpPipeline.Cli.Commands;

/// <summary>
/// `rbp train pipeline.yaml [--stage S]... [--only M]... [--threads N] [--out runs] [--data DIR] [--force] [--fail-fast]`:
/// runs the stages the pipeline file declares (prepare, train, evaluate, export, publish) for every model in it,
/// skipping stages whose inputs and configuration are unchanged. A model whose stage fails is reported in one line
/// and the others go on (unless --fail-fast); the run then ends with a summary, &lt;out&gt;/failures.json and exit 1. An RBP-ADDA entry (architecture rbpadda with source and
/// target) is two models, &lt;entry&gt;-source and &lt;entry&gt;-target; its train stage prints a line per stage with the
/// Pearson of both domains.
/// </summary>
public static class TrainCommand
{
    public static Command Create()
    {
        var file = new Argument<FileInfo>("pipeline") { Description = "The pipeline file (see docs/pipeline-yaml.md)" };
        var stage = new Option<string[]>("--stage")
        {
            Description = "Run only this stage (repeatable); its inputs must already exist", AllowMultipleArgumentsPerToken = true,
        };
        var only = new Option<string[]>("--only")
        {
            Description = "Run only this model (repeatable): an entry's name (all of its fan-out models) or one fan-out model", AllowMultipleArgumentsPerToken = true,
        };
        var threads = new Option<int?>("--threads") { Description = "libtorch threads (default: the file's threads, else one per core)" };
        var output = new Option<DirectoryInfo>("--out")
        {
            Description = "Folder for run folders (<out>/<model>/: checkpoint, training state, evaluation)",
            DefaultValueFactory = _ => new DirectoryInfo("runs"),
        };
        var data = new Option<DirectoryInfo?>("--data") { Description = "Data root that the file's data paths are relative to (overrides its data_root)" };
        var force = new Option<bool>("--force") { Description = "Run stages even when their inputs and configuration are unchanged" };
        var failFast = new Option<bool>("--fail-fast")
        {
            Description = "Stop at the first failed stage (default: a failed model is reported and the other models go on)",
        };
        var command = new Command("train", "Run the stages of a pipeline file: prepare, train, evaluate, export, publish")
        {
            file, stage, only, threads, output, data, force, failFast,
        };
        command.SetAction(async (parse, ct) =>
        {
            var options = new PipelineRunOptions
            {
                OutputRoot = parse.GetValue(output)!.FullName,
                DataRoot = parse.GetValue(data)?.FullName,
                Stages = parse.GetValue(stage),
                Only = parse.GetValue(only),
                Threads = parse.GetValue(threads),
                Force = parse.GetValue(force),
                FailFast = parse.GetValue(failFast),
                Interactive = !Console.IsOutputRedirected,
            };
            if (options.Threads is < 0)
            {
                Console.Error.WriteLine("rbp train: --threads must be at least 0 (0 = one per core)");
                return CliExitCodes.Usage;
            }
            return await RunAsync(parse.GetValue(file)!.FullName, options, Console.Out, Console.Error, ct);
        });
        return command;
    }

    /// <summary>Loads and runs a pipeline; errors are reported on <paramref name="error"/> and mapped to exit codes.</summary>
    public static async Task<int> RunAsync(string path, PipelineRunOptions options, TextWriter log, TextWriter error, CancellationToken ct)
    {
        try
        {
            var config = PipelineLoader.Load(path, ArchitectureCatalog.Default);
            var runner = new PipelineRunner(ArchitectureCatalog.Default, Handlers(), log);
            var outcomes = await runner.RunAsync(config, options, ct);
            var ran = outcomes.Count(o => o.Status == StageStatus.Ran);
            var skipped = outcomes.Count(o => o.Status == StageStatus.Skipped);
            var models = outcomes.Select(o => o.Model).Distinct().Count();
            var failed = FailureReport.Failed(outcomes);
            if (failed.Count == 0)
            {
                log.WriteLine($"rbp train: {models} model(s), {ran} stage(s) run, {skipped} skipped");
                return CliExitCodes.Success;
            }
            var succeeded = FailureReport.Succeeded(outcomes);
            var notAttempted = models - succeeded.Count - failed.Count;
            error.WriteLine($"rbp train: {succeeded.Count} model(s) succeeded, {failed.Count} failed" +
                            (notAttempted > 0 ? $", {notAttempted} not attempted (--fail-fast)" : "") +
                            $"; {ran} stage(s) run, {skipped} skipped");
            foreach (var failure in outcomes.Select(o => o.Failure).OfType<StageFailure>())
                error.WriteLine($"  {failure}");
            error.WriteLine($"rbp train: failures report: {FailureReport.PathIn(options.OutputRoot)}");
            return CliExitCodes.Failure;
        }
        catch (PipelineConfigException e)
        {
            error.WriteLine($"rbp train: {e.Message}");
            return CliExitCodes.Usage;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Ctrl+C: what finished is on disk (epochs, RBP-ADDA stages, stage records), so the same command resumes.
            error.WriteLine("rbp train: interrupted; finished epochs and RBP-ADDA stages are saved, and the same command resumes from them");
            return CliExitCodes.Failure;
        }
        catch (StageUnavailableException e)
        {
            error.WriteLine($"rbp train: {e.Message}. The stages before it ran for real; nothing after it was attempted.");
            return CliExitCodes.NotBuilt;
        }
        catch (Exception e) when (e is StagePrerequisiteException or CheckpointException or ArgumentException or InvalidOperationException
                                       or IOException or Trainer.Data.DataFormatException or RbpPipeline.Contracts.SequenceEncoding.SequenceEncodingException)
        {
            error.WriteLine($"rbp train: {e.Message}");
            return CliExitCodes.Failure;
        }
    }

    /// <summary>The Trainer's stages plus the Exporter's export and publish stages.</summary>
    public static IReadOnlyList<IStageHandler> Handlers() =>
        PipelineRunner.WithTrainerStages(RbpPipeline.Exporter.Pipeline.ExporterStages.All);
}
