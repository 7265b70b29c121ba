using System.CommandLine;
using RbpPipeline.Trainer.Synthetic;

namespace RbpPipeline.Cli.Commands;

/// <summary>`rbp synth`: writes the embedded default data (synthetic sequences with planted motifs) and its truth.</summary>
public static class SynthCommand
{
    public static Command Create()
    {
        var output = new Option<DirectoryInfo>("--out")
        {
            Description = "Folder to write the data sets and truth.json into",
            DefaultValueFactory = _ => new DirectoryInfo(Path.Combine("runs", "synthetic")),
        };
        var seed = new Option<ulong>("--seed") { Description = "Seed; the same seed gives byte-identical files", DefaultValueFactory = _ => 1 };
        var scale = new Option<double>("--scale") { Description = "Multiplies every set's size (1 = defaults)", DefaultValueFactory = _ => 1.0 };
        var command = new Command("synth", "Write the synthetic default data sets with their planted truth") { output, seed, scale };
        command.SetAction(parse =>
        {
            var folder = parse.GetValue(output)!;
            var files = Write(folder.FullName, parse.GetValue(seed), parse.GetValue(scale));
            foreach (var file in files) Console.WriteLine(Path.Combine(folder.FullName, file));
            return CliExitCodes.Success;
        });
        return command;
    }

    /// <summary>Generates and writes the default data; shared with `rbp demo`.</summary>
    public static IReadOnlyList<string> Write(string folder, ulong seed, double scale)
    {
        Directory.CreateDirectory(folder);
        return DefaultDataWriter.Write(folder, DefaultDataSets.Generate(seed, scale), seed);
    }
}
