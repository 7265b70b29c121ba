using System.CommandLine;
using System.Globalization;
using RbpPipeline.Contracts.Rbp.V1;

namespace RbpPipeline.Cli.Commands;

/// <summary>Options shared by `rbp explain` and `rbp gia`: the model, the target, the output folder.</summary>
internal sealed class InterpretationOptions
{
    public Option<string> Model { get; } = new("--model") { Description = "Model name", Required = true };

    public Option<long> Version { get; } = new("--version") { Description = "Model version (0: the latest)", DefaultValueFactory = _ => 0 };

    public Option<string[]> Target { get; } = new("--target")
    {
        Description = "Output column to explain, optionally weighted: NAME or NAME=WEIGHT (repeatable; default: the model's only task)",
        AllowMultipleArgumentsPerToken = true,
    };

    public Option<bool> Probability { get; } = new("--probability") { Description = "Explain probabilities instead of logits (classification tasks)" };

    public Option<DirectoryInfo> Out { get; } = new("--out") { Description = "Output folder (TSV, JSON and SVG files)", Required = true };

    public IEnumerable<Option> All => [Model, Version, Target, Probability, Out];

    public Target ParseTarget(ParseResult parse)
    {
        var target = new Target { Space = parse.GetValue(Probability) ? TargetSpace.Probability : TargetSpace.Raw };
        foreach (var item in parse.GetValue(Target) ?? [])
        {
            var equals = item.LastIndexOf('=');
            if (equals < 0)
            {
                target.Weights[item] = 1;
                continue;
            }
            if (!float.TryParse(item.AsSpan(equals + 1), NumberStyles.Float, CultureInfo.InvariantCulture, out var weight) || !float.IsFinite(weight))
                throw new FormatException($"--target '{item}': the weight after '=' must be a number");
            target.Weights[item[..equals]] = weight;
        }
        return target;
    }

    /// <summary>"SEQUENCE@POSITION" (0-based position) as a pattern.</summary>
    public static Pattern ParsePattern(string text, string option)
    {
        var at = text.LastIndexOf('@');
        if (at <= 0 || !int.TryParse(text.AsSpan(at + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var position))
            throw new FormatException($"{option} '{text}': expected SEQUENCE@POSITION, e.g. UGUAUAUA@46 (0-based position)");
        return new Pattern { Sequence = text[..at].ToUpperInvariant().Replace('T', 'U'), Position = position };
    }

    /// <summary>Comma-separated numbers ("0.3,0.2,0.2,0.3"), naming the option on error.</summary>
    public static float[] ParseFloats(string text, string option)
    {
        try
        {
            return [.. text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(v => float.Parse(v, NumberStyles.Float, CultureInfo.InvariantCulture))];
        }
        catch (FormatException)
        {
            throw new FormatException($"{option} '{text}': expected comma-separated numbers, e.g. 0.3,0.2,0.2,0.3");
        }
    }

    /// <summary>Comma-separated integers ("10,20,30"), naming the option on error.</summary>
    public static int[] ParseIntegers(string text, string option)
    {
        try
        {
            return [.. text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(v => int.Parse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture))];
        }
        catch (FormatException)
        {
            throw new FormatException($"{option} '{text}': expected comma-separated integers, e.g. 10,20,30");
        }
    }
}

/// <summary>Writes result files atomically (a temporary file renamed into place), as every output of the project.</summary>
internal static class ResultFiles
{
    public static void Write(DirectoryInfo folder, string name, string text)
    {
        var path = Path.Combine(folder.FullName, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        Contracts.Storage.AtomicFile.WriteAllText(path, text);
    }

    /// <summary>A file-name-safe form of a sequence id.</summary>
    public static string SafeName(string id)
    {
        var chars = id.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_').ToArray();
        var name = new string(chars);
        return name.Length > 80 ? name[..80] : name;
    }

    public static string Format(double value) => value.ToString("G6", CultureInfo.InvariantCulture);
}
