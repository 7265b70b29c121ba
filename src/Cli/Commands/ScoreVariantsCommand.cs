using System.CommandLine;
using System.Globalization;
using RbpPipeline.Client;
using RbpPipeline.Client.Variants;
using Grpc.Core;

namespace RbpPipeline.Cli.Commands;

/// <summary>
/// `rbp score-variants`: scores the variants of a VCF (reference vs alternative windows from an indexed FASTA) with
/// the models of a running server and writes a TSV or an annotated VCF (docs/variant-scoring.md).
/// </summary>
public static class ScoreVariantsCommand
{
    public static Command Create()
    {
        var vcf = new Option<FileInfo>("--vcf") { Description = "Variants: VCF 4.x, plain or gzip/bgzip", Required = true };
        var fasta = new Option<FileInfo>("--fasta") { Description = "Reference genome FASTA (uncompressed; .fai built next to it when missing)", Required = true };
        var connection = new ServerConnectionOptions();
        var models = new Option<string>("--models") { Description = "'all' or a comma-separated list of model names", DefaultValueFactory = _ => "all" };
        var output = new Option<FileInfo>("--out") { Description = "Output: .vcf for an annotated VCF, anything else a TSV", Required = true };
        var resume = new Option<bool>("--resume") { Description = "Continue an interrupted run after the last fully written variant" };
        var chromNames = new Option<string>("--chrom-names") { Description = "Map VCF chromosome names onto the FASTA's: as-is, add-chr or strip-chr", DefaultValueFactory = _ => "as-is" };
        chromNames.AcceptOnlyFromAmong("as-is", "add-chr", "strip-chr");
        var strand = new Option<string>("--strand") { Description = "both (default; the strand with the larger |diff| is reported) or plus", DefaultValueFactory = _ => "both" };
        strand.AcceptOnlyFromAmong("both", "plus");
        var minAbsDiff = new Option<double?>("--min-abs-diff") { Description = "Write only variants with |diff| >= X for some model and task" };
        var batch = new Option<int>("--batch") { Description = "Variants per batch (one Predict call per model)", DefaultValueFactory = _ => 512 };
        var inFlight = new Option<int?>("--in-flight") { Description = "Batches in flight at once (default: 4 per --server)" };
        var igScore = new Option<bool>("--ig-score")
        {
            Description = "Add ig_score: integrated gradients (zeros baseline, raw output) of the alt window minus the ref window, summed near the variant (costs 2 x steps gradient passes per variant, model and task)",
        };
        var igWindow = new Option<int>("--ig-window") { Description = "With --ig-score: sum attributions within N positions of the allele", DefaultValueFactory = _ => 10 };
        var igSteps = new Option<int>("--ig-steps") { Description = "With --ig-score: integration steps (Gauss-Legendre nodes)", DefaultValueFactory = _ => 50 };
        var ism = new Option<bool>("--ism") { Description = "Add ism_norm and ism_alt: in-silico mutagenesis of the ref window at the variant's first REF base" };
        var command = new Command("score-variants", "Score VCF variants (ref vs alt windows, both strands) with the models of a running server")
        {
            vcf, fasta, models, output, resume, chromNames, strand, minAbsDiff, batch, inFlight, igScore, igWindow, igSteps, ism,
        };
        foreach (var option in connection.All) command.Options.Add(option);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var modelList = parse.GetValue(models)!;
            if (!parse.GetValue(igScore) && (parse.GetResult(igWindow) is { Implicit: false } || parse.GetResult(igSteps) is { Implicit: false }))
            {
                Console.Error.WriteLine("rbp score-variants: --ig-window and --ig-steps apply to --ig-score, which is not given");
                return CliExitCodes.Failure;
            }
            var options = new VariantScoringOptions
            {
                VcfPath = parse.GetValue(vcf)!.FullName,
                FastaPath = parse.GetValue(fasta)!.FullName,
                OutputPath = parse.GetValue(output)!.FullName,
                Models = modelList == "all" ? [] : [.. modelList.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)],
                Resume = parse.GetValue(resume),
                ChromosomeNaming = parse.GetValue(chromNames) switch
                {
                    "add-chr" => ChromosomeNaming.AddChr,
                    "strip-chr" => ChromosomeNaming.StripChr,
                    _ => ChromosomeNaming.AsIs,
                },
                Strand = parse.GetValue(strand) == "plus" ? StrandMode.Plus : StrandMode.Both,
                MinAbsDiff = parse.GetValue(minAbsDiff),
                BatchSize = Math.Max(1, parse.GetValue(batch)),
                InFlight = Math.Max(1, parse.GetValue(inFlight) ?? connection.DefaultInFlight(parse, 4)),
                Progress = Console.Error,
                ProgressInPlace = !Console.IsErrorRedirected,
                Interpretation = new VariantInterpretation
                {
                    IgScore = parse.GetValue(igScore),
                    IgWindow = parse.GetValue(igWindow),
                    IgSteps = parse.GetValue(igSteps),
                    Ism = parse.GetValue(ism),
                },
            };
            try
            {
                using var server = connection.Open(parse);
                var summary = await VariantScorer.RunAsync(server.Models, server.Interpretation, options, cancellationToken);
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"wrote {options.OutputPath} in {summary.Elapsed.TotalSeconds:F1} s"));
                return CliExitCodes.Success;
            }
            catch (RpcException e)
            {
                Console.Error.WriteLine($"rbp score-variants: {e.StatusCode}: {e.Status.Detail}");
                return CliExitCodes.Failure;
            }
            catch (Exception e) when (e is FormatException or IOException or ArgumentException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"rbp score-variants: {e.Message}");
                return CliExitCodes.Failure;
            }
        });
        return command;
    }
}
