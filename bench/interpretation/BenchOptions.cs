using System.Globalization;

namespace RbpPipeline.Bench.Interpretation;

/// <summary>Command-line settings; every one has a default, so <c>run.sh</c> passes only what it was given.</summary>
public sealed record BenchOptions
{
    /// <summary>Intra-op threads of both ONNX Runtime (server and floor) and libtorch.</summary>
    public int Threads { get; init; } = 1;

    /// <summary>GIA backgrounds; the figure is 1,000 (4,096,000 predictions for a 6-mer scan).</summary>
    public int Backgrounds { get; init; } = 1000;

    /// <summary>Sequences explained per IG round, by each engine.</summary>
    public int Sequences { get; init; } = 256;

    /// <summary>Alternating IG rounds (server, libtorch, libtorch, server, …); the tables show medians.</summary>
    public int Rounds { get; init; } = 3;

    /// <summary>The server's rows per ONNX Runtime run (<c>ServingOptions.MaxBatchSize</c>).</summary>
    public int MaxBatch { get; init; } = 256;

    /// <summary>Seconds per forward-floor measurement.</summary>
    public double FloorSeconds { get; init; } = 5;

    /// <summary>Data, checkpoint and repository; kept between runs so the model is trained once.</summary>
    public string Work { get; init; } = Path.Combine("runs", "bench-interpretation");

    /// <summary>Which halves to run: ig, gia.</summary>
    public IReadOnlySet<string> Parts { get; init; } = new HashSet<string> { "ig", "gia" };

    public const string Usage =
        "usage: [--threads N=1] [--backgrounds N=1000] [--sequences N=256] [--rounds N=3] [--max-batch N=256] [--floor-seconds S=5] [--work DIR] [--parts ig,gia]";

    public static BenchOptions Parse(IReadOnlyList<string> args)
    {
        var options = new BenchOptions();
        for (var i = 0; i < args.Count; i += 2)
        {
            if (i + 1 >= args.Count) throw new ArgumentException($"{args[i]} needs a value. {Usage}");
            var value = args[i + 1];
            options = args[i] switch
            {
                "--threads" => options with { Threads = Positive(value) },
                "--backgrounds" => options with { Backgrounds = Positive(value) },
                "--sequences" => options with { Sequences = Positive(value) },
                "--rounds" => options with { Rounds = Positive(value) },
                "--max-batch" => options with { MaxBatch = Positive(value) },
                "--floor-seconds" => options with { FloorSeconds = double.Parse(value, CultureInfo.InvariantCulture) },
                "--work" => options with { Work = value },
                "--parts" => options with { Parts = value.Split(',', StringSplitOptions.RemoveEmptyEntries).ToHashSet() },
                _ => throw new ArgumentException($"unknown option {args[i]}. {Usage}"),
            };
        }
        return options;
    }

    private static int Positive(string value)
    {
        var n = int.Parse(value, CultureInfo.InvariantCulture);
        return n > 0 ? n : throw new ArgumentException($"{value} is not a positive count");
    }
}
