using System.CommandLine;
using System.Globalization;
using System.Text;
using Grpc.Core;
using RbpPipeline.Client;
using RbpPipeline.Contracts.Rbp.V1;
using RbpPipeline.Interpretation.Motifs;
using RbpPipeline.Interpretation.Sequences;
using RbpPipeline.Trainer.Data;
using RbpPipeline.Visualization;
using Motif = RbpPipeline.Interpretation.Motifs.Motif;

namespace RbpPipeline.Cli.Commands;

/// <summary>
/// `rbp explain`: attribution maps (integrated gradients, saliency, gradient × input) or in-silico mutagenesis for
/// the sequences of a file, computed by a running server on the model's frozen graphs; writes TSV results, SVG
/// logos or heatmaps, and optionally consensus motifs (MEME format and logos) from the attribution maps.
/// </summary>
public static class ExplainCommand
{
    private static readonly string[] Methods = ["ig", "saliency", "gradient-x-input", "ism"];

    private static readonly Dictionary<string, IntegrationRule> Rules = new()
    {
        ["gauss-legendre"] = IntegrationRule.GaussLegendre,
        ["riemann-left"] = IntegrationRule.RiemannLeft,
        ["riemann-right"] = IntegrationRule.RiemannRight,
        ["riemann-middle"] = IntegrationRule.RiemannMiddle,
        ["trapezoid"] = IntegrationRule.Trapezoid,
    };

    public static Command Create()
    {
        var connection = new ServerConnectionOptions();
        var common = new InterpretationOptions();
        var input = new Argument<string>("input") { Description = "FASTA or TSV (a 'sequence' column) of the sequences to explain; '-' reads standard input" };
        var method = new Option<string>("--method") { Description = "ig | saliency | gradient-x-input | ism", DefaultValueFactory = _ => "ig" };
        method.AcceptOnlyFromAmong(Methods);
        var steps = new Option<int>("--steps") { Description = "Integrated gradients: integration steps", DefaultValueFactory = _ => 50 };
        var rule = new Option<string>("--rule") { Description = "Integrated gradients: gauss-legendre | riemann-left | riemann-right | riemann-middle | trapezoid", DefaultValueFactory = _ => "gauss-legendre" };
        rule.AcceptOnlyFromAmong([.. Rules.Keys]);
        var baseline = new Option<string>("--baseline")
        {
            Description = "zeros | uniform | frequencies:A,C,G,U | shuffle[:K] | dinucleotide-shuffle[:K] | lowest[:N] (of --reference) | custom (the --reference sequences)",
            DefaultValueFactory = _ => "zeros",
        };
        var reference = new Option<string?>("--reference") { Description = "Sequences for the 'lowest' and 'custom' baselines (FASTA or TSV)" };
        var seed = new Option<ulong>("--seed") { Description = "Seed of shuffle baselines", DefaultValueFactory = _ => 1 };
        var hypothetical = new Option<bool>("--hypothetical") { Description = "Also write hypothetical contributions (what each base would contribute at each position)" };
        var pictures = new Option<int>("--pictures") { Description = "Draw logos (or ISM heatmaps) of the first N sequences", DefaultValueFactory = _ => 20 };
        var perChannel = new Option<bool>("--per-channel")
        {
            Description = "Logos stack all four channels at each position (default: one letter per position, the observed base, as tall as the sum over channels)",
        };
        var motifs = new Option<bool>("--motifs") { Description = "Find consensus motifs in the attribution maps of the highest-scoring inputs (motifs.meme + logos)" };
        var motifWidth = new Option<int>("--motif-width") { Description = "Window width for --motifs", DefaultValueFactory = _ => 8 };
        var allowResize = new Option<bool>("--allow-resize") { Description = "Let the server crop or pad sequences of the wrong length" };
        var batch = new Option<int>("--batch") { Description = "Sequences per request", DefaultValueFactory = _ => 256 };
        var inFlight = new Option<int?>("--in-flight") { Description = "Requests in flight at once, spread over the --server replicas (default: 2 per --server)" };
        var command = new Command("explain", "Attribution maps or in-silico mutagenesis of sequences, computed by a running server")
        {
            input, method, steps, rule, baseline, reference, seed, hypothetical, pictures, perChannel, motifs, motifWidth, allowResize, batch, inFlight,
        };
        foreach (var option in common.All.Concat(connection.All)) command.Options.Add(option);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var path = parse.GetValue(input)!;
            try
            {
                var target = common.ParseTarget(parse);
                var records = ReadSequences(path);
                var output = parse.GetValue(common.Out)!;
                output.Create();
                using var server = connection.Open(parse);
                var client = server.Interpretation;
                var settings = new ExplainSettings(parse.GetValue(common.Model)!, parse.GetValue(common.Version), target, parse.GetValue(allowResize),
                    Math.Max(1, parse.GetValue(batch)), Math.Max(0, parse.GetValue(pictures)), output,
                    Math.Max(1, parse.GetValue(inFlight) ?? connection.DefaultInFlight(parse, 2)),
                    Logo: parse.GetValue(perChannel) ? AttributionLogoMode.PerChannel : AttributionLogoMode.Projected);
                if (parse.GetValue(method) == "ism")
                {
                    await MutagenesisAsync(client, settings, records, cancellationToken);
                }
                else
                {
                    var request = new AttributeRequest
                    {
                        Method = parse.GetValue(method) switch
                        {
                            "saliency" => AttributionMethod.Saliency,
                            "gradient-x-input" => AttributionMethod.GradientTimesInput,
                            _ => AttributionMethod.IntegratedGradients,
                        },
                        Steps = parse.GetValue(steps),
                        Rule = Rules[parse.GetValue(rule)!],
                        Baseline = ParseBaseline(parse.GetValue(baseline)!, parse.GetValue(reference), parse.GetValue(seed)),
                        Hypothetical = parse.GetValue(hypothetical),
                    };
                    var results = await AttributeAsync(client, settings, request, records, cancellationToken);
                    if (parse.GetValue(motifs)) WriteConsensusMotifs(results, Math.Max(2, parse.GetValue(motifWidth)), output);
                }
                Console.Error.WriteLine($"{records.Count} sequences explained; results in {output.FullName}");
                return CliExitCodes.Success;
            }
            catch (RpcException e)
            {
                Console.Error.WriteLine($"rbp explain: {e.StatusCode}: {e.Status.Detail}");
                return CliExitCodes.Failure;
            }
            catch (Exception e) when (e is DataFormatException or FormatException or IOException or ArgumentException)
            {
                Console.Error.WriteLine($"rbp explain: {e.Message}");
                return CliExitCodes.Failure;
            }
        });
        return command;
    }

    /// <param name="InFlight">Batches whose calls run at once (each a bounded call that round robin may give to another replica).</param>
    /// <param name="Logo">Projected logos (the observed base, as tall as the sum over channels) or all four channels.</param>
    internal sealed record ExplainSettings(string Model, long Version, Target Target, bool AllowResize, int Batch, int Pictures, DirectoryInfo Output,
        int InFlight = 2, int MaxAttempts = 5, AttributionLogoMode Logo = AttributionLogoMode.Projected);

    private static List<(string Id, string Sequence)> ReadSequences(string path)
    {
        using var reader = path == "-" ? new StreamReader(Console.OpenStandardInput()) : DataFile.OpenText(path);
        var records = SequenceInput.Read(reader, path == "-" ? "standard input" : path).ToList();
        if (records.Count == 0) throw new FormatException($"{path}: no sequences");
        return records;
    }

    /// <summary>Parses --baseline; the reference file is read only for the baselines that use it.</summary>
    public static Baseline ParseBaseline(string text, string? referencePath, ulong seed)
    {
        var colon = text.IndexOf(':');
        var kind = colon < 0 ? text : text[..colon];
        var argument = colon < 0 ? null : text[(colon + 1)..];
        int Count(int fallback) => argument is null ? fallback
            : int.TryParse(argument, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n
            : throw new FormatException($"--baseline '{text}': the number after ':' must be a positive integer");
        SequenceBatch Reference()
        {
            if (referencePath is null) throw new FormatException($"--baseline {kind} needs --reference FILE");
            var batch = new SequenceBatch { AllowResize = true };
            batch.Sequences.AddRange(ReadSequences(referencePath).Select(r => r.Sequence));
            return batch;
        }
        return kind switch
        {
            "zeros" => new Baseline { Kind = Baseline.Types.Kind.Zeros },
            "uniform" => new Baseline { Kind = Baseline.Types.Kind.Uniform },
            "frequencies" => new Baseline
            {
                Kind = Baseline.Types.Kind.Frequencies,
                Frequencies = { InterpretationOptions.ParseFloats(argument ?? throw new FormatException("--baseline frequencies:A,C,G,U needs four numbers"), "--baseline") },
            },
            "shuffle" => new Baseline { Kind = Baseline.Types.Kind.Shuffle, Samples = Count(10), Seed = seed },
            "dinucleotide-shuffle" => new Baseline { Kind = Baseline.Types.Kind.DinucleotideShuffle, Samples = Count(10), Seed = seed },
            "lowest" => new Baseline { Kind = Baseline.Types.Kind.ReferenceLowest, Lowest = Count(100), Sequences = Reference() },
            "custom" => new Baseline { Kind = Baseline.Types.Kind.Custom, Sequences = Reference() },
            _ => throw new FormatException($"--baseline '{text}': expected zeros, uniform, frequencies:A,C,G,U, shuffle[:K], dinucleotide-shuffle[:K], lowest[:N] or custom"),
        };
    }

    internal static async Task<List<Attribution>> AttributeAsync(InterpretationService.InterpretationServiceClient client, ExplainSettings settings, AttributeRequest template,
        List<(string Id, string Sequence)> records, CancellationToken cancellationToken)
    {
        var results = new List<Attribution>(records.Count);
        await BoundedCalls.RunOrderedAsync(Starts(records.Count, settings.Batch), settings.InFlight, settings.MaxAttempts,
            async (start, ct) =>
            {
                var request = template.Clone();
                request.Model = settings.Model;
                request.Version = settings.Version;
                request.Target = settings.Target;
                request.Inputs = Batch(records.Skip(start).Take(settings.Batch), settings.AllowResize);
                using var call = client.Attribute(request, cancellationToken: ct);
                var responses = new List<AttributeResponse>();
                await foreach (var response in call.ResponseStream.ReadAllAsync(ct)) responses.Add(response);
                return responses;
            },
            (start, responses) =>
            {
                foreach (var attribution in responses.SelectMany(r => r.Attributions))
                {
                    attribution.Index += start;
                    results.Add(attribution);
                }
                return Task.CompletedTask;
            }, cancellationToken);
        results.Sort((a, b) => a.Index.CompareTo(b.Index));
        WriteAttributions(results, template.Hypothetical, settings.Output);
        for (var i = 0; i < Math.Min(settings.Pictures, results.Count); i++)
        {
            var a = results[i];
            var map = a.Maps.First(m => m.Input == "sequence");
            var title = $"{a.SequenceId}  f(x) = {ResultFiles.Format(a.Prediction)}";
            ResultFiles.Write(settings.Output, Path.Combine("logos", $"{i + 1:D4}-{ResultFiles.SafeName(a.SequenceId)}.svg"),
                AttributionLogo.Render([.. map.Values], a.Sequence, title, options: new AttributionLogoOptions { Mode = settings.Logo }));
        }
        return results;
    }

    private static void WriteAttributions(List<Attribution> results, bool hypothetical, DirectoryInfo output)
    {
        var summary = new StringBuilder("id\tsequence\tprediction\tbaseline_prediction\tconvergence_delta\n");
        var maps = new StringBuilder("id\tinput\tposition\tbase");
        var channels = results[0].Maps.ToDictionary(m => m.Input, m => m.Channels.ToList());
        maps.Append('\t').Append(string.Join('\t', channels.Values.SelectMany(c => c).Distinct()));
        maps.Append(hypothetical ? "\thypothetical_A\thypothetical_C\thypothetical_G\thypothetical_U\n" : "\n");
        var columns = channels.Values.SelectMany(c => c).Distinct().ToList();
        foreach (var a in results)
        {
            summary.Append(a.SequenceId).Append('\t').Append(a.Sequence).Append('\t').Append(ResultFiles.Format(a.Prediction)).Append('\t')
                .Append(ResultFiles.Format(a.BaselinePrediction)).Append('\t').Append(ResultFiles.Format(a.ConvergenceDelta)).Append('\n');
            foreach (var map in a.Maps)
            {
                var length = (int)map.Length;
                for (var p = 0; p < length; p++)
                {
                    maps.Append(a.SequenceId).Append('\t').Append(map.Input).Append('\t').Append(p + 1).Append('\t')
                        .Append(map.Input == "sequence" && p < a.Sequence.Length ? a.Sequence[p] : '.');
                    foreach (var column in columns)
                    {
                        var c = map.Channels.IndexOf(column);
                        maps.Append('\t').Append(c < 0 ? "" : ResultFiles.Format(map.Values[c * length + p]));
                    }
                    if (hypothetical)
                        for (var c = 0; c < 4; c++)
                            maps.Append('\t').Append(map.Input == "sequence" && a.Hypothetical is { } h ? ResultFiles.Format(h.Values[c * length + p]) : "");
                    maps.Append('\n');
                }
            }
        }
        ResultFiles.Write(output, "summary.tsv", summary.ToString());
        ResultFiles.Write(output, "attributions.tsv", maps.ToString());
    }

    /// <summary>Consensus motifs from the attribution maps of the top-scoring half of the inputs.</summary>
    private static void WriteConsensusMotifs(List<Attribution> results, int width, DirectoryInfo output)
    {
        var top = results.OrderByDescending(a => a.Prediction).Take(Math.Max(1, results.Count / 2)).ToList();
        var found = AttributionConsensus.Find(
            [.. top.Select(a => a.Maps.First(m => m.Input == "sequence").Values.ToArray())],
            [.. top.Select(a => NucleotideCodes.FromString(a.Sequence))],
            new ConsensusOptions { Width = width });
        var motifs = found.Select(f => f.Motif).ToList();
        ResultFiles.Write(output, "motifs.meme", MemeFormat.Write(motifs));
        foreach (var motif in motifs)
            ResultFiles.Write(output, Path.Combine("motifs", $"{ResultFiles.SafeName(motif.Name)}.svg"), MotifLogo.Render(ToMatrix(motif), $"{motif.Name} ({motif.Sites} sites)"));
        Console.Error.WriteLine($"{motifs.Count} consensus motifs: {string.Join(", ", motifs.Select(m => $"{m.Consensus()} ({m.Sites})"))}");
    }

    public static double[,] ToMatrix(Motif motif)
    {
        var matrix = new double[motif.Width, 4];
        for (var p = 0; p < motif.Width; p++)
            for (var c = 0; c < 4; c++) matrix[p, c] = motif[p, c];
        return matrix;
    }

    private static async Task MutagenesisAsync(InterpretationService.InterpretationServiceClient client, ExplainSettings settings, List<(string Id, string Sequence)> records,
        CancellationToken cancellationToken)
    {
        var table = new StringBuilder("id\tposition\treference\tA\tC\tG\tU\tnorm\n");
        var pictures = 0;
        await BoundedCalls.RunOrderedAsync(Starts(records.Count, settings.Batch), settings.InFlight, settings.MaxAttempts,
            async (start, ct) =>
            {
                var request = new MutagenesisRequest
                {
                    Model = settings.Model,
                    Version = settings.Version,
                    Target = settings.Target,
                    Inputs = Batch(records.Skip(start).Take(settings.Batch), settings.AllowResize),
                };
                using var call = client.Mutagenesis(request, cancellationToken: ct);
                var responses = new List<MutagenesisResponse>();
                await foreach (var response in call.ResponseStream.ReadAllAsync(ct)) responses.Add(response);
                return responses;
            },
            (_, responses) =>
            {
                Append(responses);
                return Task.CompletedTask;
            }, cancellationToken);
        ResultFiles.Write(settings.Output, "ism.tsv", table.ToString());

        void Append(List<MutagenesisResponse> responses)
        {
            foreach (var r in responses.OrderBy(r => r.Index))
            {
                var length = r.WindowLength;
                for (var p = 0; p < length; p++)
                {
                    var position = r.WindowStart + p;
                    table.Append(r.SequenceId).Append('\t').Append(position + 1).Append('\t').Append(r.Sequence[position]);
                    for (var c = 0; c < 4; c++) table.Append('\t').Append(ResultFiles.Format(r.TargetDeltas[c * length + p]));
                    table.Append('\t').Append(ResultFiles.Format(r.PositionNorms[p])).Append('\n');
                }
                if (pictures < settings.Pictures)
                {
                    pictures++;
                    ResultFiles.Write(settings.Output, Path.Combine("ism", $"{pictures:D4}-{ResultFiles.SafeName(r.SequenceId)}.svg"),
                        IsmHeatmap.Render([.. r.TargetDeltas], r.Sequence.Substring(r.WindowStart, length), [.. r.PositionNorms],
                            $"{r.SequenceId}  in-silico mutagenesis (score {ResultFiles.Format(r.ReferenceScore)})"));
                }
            }
        }
    }

    /// <summary>The first index of every batch of <paramref name="size"/> among <paramref name="count"/> records.</summary>
    private static IEnumerable<int> Starts(int count, int size)
    {
        for (var start = 0; start < count; start += size) yield return start;
    }

    private static SequenceBatch Batch(IEnumerable<(string Id, string Sequence)> records, bool allowResize)
    {
        var batch = new SequenceBatch { AllowResize = allowResize };
        foreach (var (id, sequence) in records)
        {
            batch.Sequences.Add(sequence);
            batch.SequenceIds.Add(id);
        }
        return batch;
    }
}
