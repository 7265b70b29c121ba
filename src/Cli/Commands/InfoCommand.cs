using System.CommandLine;
using System.Reflection;
using Microsoft.ML.OnnxRuntime;
using RbpPipeline.Onnx.Runtime;

namespace RbpPipeline.Cli.Commands;

/// <summary>`rbp info`: versions and the execution providers this machine offers, for bug reports.</summary>
public static class InfoCommand
{
    public static Command Create()
    {
        var cuda = new Option<bool>("--cuda") { Description = "Also try ONNX Runtime's CUDA provider (needs CUDA 13 + cuDNN 9) and report the outcome and why" };
        var command = new Command("info", "Show versions, native libraries and execution providers") { cuda };
        command.SetAction(parse =>
        {
            Console.WriteLine($"rbp {Assembly.GetExecutingAssembly().GetName().Version}");
            Console.WriteLine($".NET {Environment.Version} on {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, {Environment.ProcessorCount} cores");
            Console.WriteLine($"ONNX Runtime {OrtEnv.Instance().GetVersionString()} (providers in this build: {string.Join(", ", OrtEnv.Instance().GetAvailableProviders())})");
            using var options = new SessionOptions();
            var request = parse.GetValue(cuda) ? ExecutionProviderRequest.Cuda : ExecutionProviderRequest.Cpu;
            var choice = new ExecutionProviderSelector().Configure(options, request);
            Console.WriteLine($"execution provider: {choice.Provider} ({choice.Reason})");
            return CliExitCodes.Success;
        });
        return command;
    }
}
