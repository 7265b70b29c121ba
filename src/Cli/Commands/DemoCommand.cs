using System.CommandLine;
using System.Diagnostics;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using RbpPipeline.Onnx.Format;
using RbpPipeline.Onnx.Runtime;

namespace RbpPipeline.Cli.Commands;

/// <summary>
/// `rbp demo`: the main job end to end on the embedded synthetic data — generate data, train (pipeline.yaml),
/// export and publish, serve, query over gRPC, summarise. Each step runs for real or stops the demo with a clear
/// message naming what is not built yet; nothing is faked.
/// </summary>
public static class DemoCommand
{
    public static Command Create()
    {
        var work = new Option<DirectoryInfo>("--work-dir")
        {
            Description = "Where the demo writes data, checkpoints and the model repository",
            DefaultValueFactory = _ => new DirectoryInfo(Path.Combine("runs", "demo")),
        };
        var command = new Command("demo", "Run the whole pipeline on embedded synthetic data") { work };
        command.SetAction(async (parse, ct) => await RunAsync(parse.GetValue(work)!, ct));
        return command;
    }

    private sealed record Step(string Name, Func<DirectoryInfo, CancellationToken, Task<string>> Run);

    private sealed class NotBuiltException(string what) : Exception(what);

    private static IReadOnlyList<Step> Steps() =>
    [
        new("check ONNX Runtime", CheckOnnxRuntimeAsync),
        new("generate synthetic data", GenerateDataAsync),
        new("train from pipeline.yaml", (dir, ct) => RunStagesAsync(dir, ["prepare", "train", "evaluate"], ct)),
        new("export and publish (parity-checked ONNX)", (dir, ct) => RunStagesAsync(dir, ["export", "publish"], ct)),
        new("serve and query over gRPC", (dir, ct) =>
            DemoQuery.RunAsync(RepositoryPath(dir), Path.Combine(dir.FullName, "data"), ct)),
        new("explain and run GIA over gRPC", (dir, ct) =>
            DemoInterpretation.RunAsync(RepositoryPath(dir), Path.Combine(dir.FullName, "data"), new DirectoryInfo(Path.Combine(dir.FullName, "interpretation")), ct)),
    ];

    private static async Task<int> RunAsync(DirectoryInfo workDir, CancellationToken ct)
    {
        workDir.Create();
        Console.WriteLine($"rbp demo: working in {workDir.FullName}");
        var index = 0;
        foreach (var step in Steps())
        {
            index++;
            Console.Write($"[{index}] {step.Name} ... ");
            var clock = Stopwatch.StartNew();
            try
            {
                var summary = await step.Run(workDir, ct);
                Console.WriteLine($"ok ({clock.Elapsed.TotalSeconds:F1} s) {summary}");
            }
            catch (NotBuiltException e)
            {
                Console.WriteLine("not built yet");
                Console.Error.WriteLine($"rbp demo: stopped at step {index} '{step.Name}': {e.Message} is not built yet. " +
                                        "Steps before it ran for real; nothing after it was attempted.");
                return CliExitCodes.NotBuilt;
            }
        }
        Console.WriteLine($"rbp demo: done. Artifacts: data {Path.Combine(workDir.FullName, "data")}, checkpoints " +
                          $"{Path.Combine(workDir.FullName, "runs")}, model repository {RepositoryPath(workDir)} " +
                          $"(serve it with: ./rbp serve --repo {RepositoryPath(workDir)})");
        // The demo exits, so it names the command that serves the explorer and the page that command opens.
        Console.WriteLine($"rbp demo: explore the models in a browser: run ./rbp serve --repo {RepositoryPath(workDir)} " +
                          $"and open http://127.0.0.1:{new RbpPipeline.Explorer.ExplorerOptions().Port}/");
        return CliExitCodes.Success;
    }

    /// <summary>
    /// Runs stages of the repository's default pipeline.yaml on the data the data step wrote (work-dir/data); run
    /// folders go to work-dir/runs and published models to work-dir/models. Unchanged stages are skipped on a second demo.
    /// </summary>
    private static async Task<string> RunStagesAsync(DirectoryInfo workDir, IReadOnlyList<string> stages, CancellationToken ct)
    {
        var pipeline = DefaultPipelinePath();
        Console.WriteLine();
        var config = Trainer.Pipeline.PipelineLoader.Load(pipeline, Trainer.Pipeline.ArchitectureCatalog.Default);
        var runs = Path.Combine(workDir.FullName, "runs");
        var runner = new Trainer.Pipeline.PipelineRunner(Trainer.Pipeline.ArchitectureCatalog.Default, TrainCommand.Handlers(), Console.Out);
        var outcomes = await runner.RunAsync(config, new Trainer.Pipeline.PipelineRunOptions
        {
            OutputRoot = runs,
            DataRoot = Path.Combine(workDir.FullName, "data"),
            Repository = RepositoryPath(workDir),
            Stages = stages,
            Interactive = !Console.IsOutputRedirected,
            FailFast = true,
        }, ct);
        if (outcomes.FirstOrDefault(o => o.Failure is not null)?.Failure is { } failure)
            throw new InvalidOperationException($"{failure}; details in {Trainer.Pipeline.FailureReport.PathIn(runs)}");
        return $"{string.Join("+", stages)} for {outcomes.Select(o => o.Model).Distinct().Count()} models from {pipeline}";
    }

    private static string RepositoryPath(DirectoryInfo workDir) => Path.Combine(workDir.FullName, "models");

    private static string DefaultPipelinePath()
    {
        return new[] { Environment.CurrentDirectory, AppContext.BaseDirectory }
            .SelectMany(start => Ancestors(new DirectoryInfo(start)))
            .Select(dir => Path.Combine(dir.FullName, "pipeline.yaml"))
            .FirstOrDefault(File.Exists)
            ?? throw new FileNotFoundException("the default pipeline.yaml was found neither in the working directory nor above the rbp binary");

        static IEnumerable<DirectoryInfo> Ancestors(DirectoryInfo? dir)
        {
            for (; dir is not null; dir = dir.Parent) yield return dir;
        }
    }

    private static Task<string> GenerateDataAsync(DirectoryInfo workDir, CancellationToken ct)
    {
        var folder = Path.Combine(workDir.FullName, "data");
        var files = SynthCommand.Write(folder, seed: 1, scale: 1);
        return Task.FromResult($"{files.Count} files in {folder} (planted truth in truth.json)");
    }

    /// <summary>Builds a one-node model with our ONNX writer and runs it, proving the runtime and writer agree.</summary>
    private static Task<string> CheckOnnxRuntimeAsync(DirectoryInfo workDir, CancellationToken ct)
    {
        var g = new OnnxGraphBuilder("demo_check");
        var x = g.AddInput("x", TensorProto.Types.DataType.Float, OnnxDim.Batch, 4);
        g.AddNodeWithOutputs("Sigmoid", [x], ["y"]);
        g.AddOutput("y", TensorProto.Types.DataType.Float, OnnxDim.Batch, 4);
        using var options = new SessionOptions();
        var choice = new ExecutionProviderSelector().Configure(options, ExecutionProviderRequest.Cpu);
        using var session = new InferenceSession(g.Build("demo").ToByteArray(), options);
        float[] input = [0f, 1f, -1f, 2f];
        using var value = OrtValue.CreateTensorValueFromMemory(input, [1, 4]);
        using var runOptions = new RunOptions();
        using var result = session.Run(runOptions, ["x"], [value], ["y"]);
        var y = result[0].GetTensorDataAsSpan<float>();
        for (var i = 0; i < input.Length; i++)
            if (Math.Abs(y[i] - 1 / (1 + Math.Exp(-input[i]))) > 1e-6)
                throw new InvalidOperationException($"ONNX Runtime returned {y[i]} for sigmoid({input[i]})");
        return Task.FromResult($"ONNX Runtime {OrtEnv.Instance().GetVersionString()}, {choice.Provider}");
    }
}
