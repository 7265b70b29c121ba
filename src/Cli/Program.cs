using System.CommandLine;
using RbpPipeline.Cli.Commands;
using RbpPipeline.Onnx.Runtime;

// Native libraries read their environment once, when they load: set it before anything else runs.
NativeEnvironment.Prepare();

var root = new RootCommand("rbp — train, export and serve RNA-binding-protein models (RbpPipeline)");
root.Subcommands.Add(DemoCommand.Create());
root.Subcommands.Add(InfoCommand.Create());
root.Subcommands.Add(SynthCommand.Create());
root.Subcommands.Add(ServeCommand.Create());
root.Subcommands.Add(PredictCommand.Create());
root.Subcommands.Add(ScoreVariantsCommand.Create());
root.Subcommands.Add(ExplainCommand.Create());
root.Subcommands.Add(GiaCommand.Create());
root.Subcommands.Add(TrainCommand.Create());
root.Subcommands.Add(ExportCommand.Create());
return await root.Parse(args).InvokeAsync();
