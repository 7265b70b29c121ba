using System.CommandLine;
using RbpPipeline.Trainer.Checkpoints;
using RbpPipeline.Trainer.Pipeline;
using RbpPipeline.Trainer.Training;

namespace RbpPipeline.Cli.Commands;

/// <summary>
/// `rbp train pipeline.yaml [--stage S]... [--only M]... [--threads N] [--device D] [--out runs] [--data DIR] [--force] [--fail-fast]
/// [--executor local|slurm|kubernetes] [--status]`:
/// runs the stages the pipeline file declares (prepare, train, evaluate, export, publish) for every model in it,
/// skipping stages whose inputs and configuration are unchanged. A model whose stage fails is reported in one line
/// and the others go on (unless --fail-fast); the run then ends with a summary, &lt;out&gt;/failures.json and exit 1. An RBP-ADDA entry (architecture rbpadda with source and
/// target) is two models, &lt;entry&gt;-source and &lt;entry&gt;-target; its train stage prints a line per stage with the
/// Pearson of both domains. `--executor slurm|kubernetes` fans the models out over a cluster instead (see
/// <see cref="TrainFanOut"/>); `--status` reports progress.
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
        var device = new Option<string?>("--device") { Description = "Train on auto (CUDA when present), cpu, cuda or cuda:N (default: each model's training.device, else auto)" };
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
        var onlyIndex = new Option<int?>("--only-index")
        {
            Description = "Run only one task: this 0-based index into the --only names (else into every model, an RBP-ADDA entry counting once); a cluster's task index",
        };
        var executor = new Option<string>("--executor")
        {
            Description = "local (train here), slurm (submit a job array, one task per model) or kubernetes (write an Indexed Job)",
            DefaultValueFactory = _ => "local",
        };
        executor.AcceptOnlyFromAmong("local", "slurm", "kubernetes");
        var status = new Option<bool>("--status") { Description = "Show each model's progress under --out (stages done, failures, Slurm job states) instead of training" };
        var manifest = new Option<FileInfo?>("--output") { Description = "--executor kubernetes: write the Job manifests here (default: standard output)" };
        var command = new Command("train", "Run the stages of a pipeline file: prepare, train, evaluate, export, publish")
        {
            file, stage, only, threads, device, output, data, force, failFast, onlyIndex, executor, status, manifest,
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
                Device = parse.GetValue(device),
                Force = parse.GetValue(force),
                FailFast = parse.GetValue(failFast),
                Interactive = !Console.IsOutputRedirected,
            };
            if (options.Threads is < 0)
            {
                Console.Error.WriteLine("rbp train: --threads must be at least 0 (0 = one per core)");
                return CliExitCodes.Usage;
            }
            if (options.Device is { } d && !TrainingDevice.IsValid(d))
            {
                Console.Error.WriteLine($"rbp train: --device '{d}' is not a device: use auto, cpu, cuda or cuda:N");
                return CliExitCodes.Usage;
            }
            var path = parse.GetValue(file)!.FullName;
            if (parse.GetValue(status))
                return await TrainFanOut.StatusAsync(path, options, Console.Out, Console.Error, ct);
            if (parse.GetValue(onlyIndex) is { } index)
            {
                if (TrainFanOut.OnlyIndex(path, options, index, Console.Error) is not { } selected) return CliExitCodes.Usage;
                options = selected;
            }
            return parse.GetValue(executor) switch
            {
                "slurm" => await TrainFanOut.SubmitSlurmAsync(path, options, Console.Out, Console.Error, ct),
                "kubernetes" => TrainFanOut.WriteKubernetes(path, options, parse.GetValue(manifest)?.FullName, Console.Out, Console.Error),
                _ => await RunAsync(path, options, Console.Out, Console.Error, ct),
            };
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
