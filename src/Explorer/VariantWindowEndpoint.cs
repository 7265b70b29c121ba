using System.Globalization;
using System.Text.Json;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using RbpPipeline.Client.Variants;
using RbpPipeline.Contracts.SequenceEncoding;
using RbpPipeline.InferenceServer.Models;

namespace RbpPipeline.Explorer;

/// <summary>
/// <c>POST /api/explorer/variant-windows</c>: the reference and alternative windows of one variant for each served
/// model's input length, both strands, by the rules `rbp score-variants` uses (<see cref="VariantWindows"/>). The page
/// then scores them with Predict and looks at the reference window with Mutagenesis, so the models run only through
/// the rbp.v1 services. The variant is a pasted sequence window with a 1-based position, or chrom:pos:ref:alt on the
/// server's reference FASTA (<see cref="ExplorerOptions.ReferenceFastaPath"/>).
/// </summary>
internal static class VariantWindowEndpoint
{
    public static void Map(IEndpointRouteBuilder endpoints, ModelRepository repository, Lazy<IndexedFasta>? genome) =>
        endpoints.MapPost("/api/explorer/variant-windows", async (HttpContext context) =>
        {
            try
            {
                var request = await JsonSerializer.DeserializeAsync<Request>(context.Request.Body, JsonSerializerOptions.Web, context.RequestAborted)
                    ?? throw new ArgumentException("the request body is empty");
                return Results.Json(Windows(request, repository, genome), JsonSerializerOptions.Web);
            }
            catch (ModelNotFoundException e)
            {
                return ApiError.Of(StatusCode.NotFound, e.Message);
            }
            catch (Exception e) when (e is ArgumentException or FormatException or JsonException)
            {
                return ApiError.Of(StatusCode.InvalidArgument, e.Message);
            }
        });

    private sealed record Request(string[]? Models, string? Sequence, int Position, string? Ref, string? Alt, string? Locus);

    private sealed record Window(string Model, long Version, int Length, string RefForward, string AltForward, string RefReverse,
        string AltReverse, int RefStart, int RefEnd);

    private sealed record Response(string Variant, IReadOnlyList<Window> Windows);

    private static Response Windows(Request request, ModelRepository repository, Lazy<IndexedFasta>? genome)
    {
        var (fetch, start, reference, alt, label) = request.Locus is { Length: > 0 } locus
            ? FromLocus(locus, genome)
            : FromSequence(request);
        var names = request.Models is { Length: > 0 } ? request.Models : [.. repository.Versions.Select(v => v.Name).Distinct()];
        var windows = new List<Window>();
        foreach (var name in names)
        {
            using var lease = repository.Acquire(name, 0);
            var model = lease.Model;
            var length = model.Manifest.Encoding.Length;
            var refWindow = VariantWindows.Allele(fetch, start, reference.Length, reference, length);
            var altWindow = VariantWindows.Allele(fetch, start, reference.Length, alt, length);
            var (refStart, refEnd) = VariantWindows.AlleleSpan(reference.Length, length, '+');
            windows.Add(new Window(model.Name, model.Version, length, refWindow, altWindow,
                Nucleotides.ReverseComplement(refWindow), Nucleotides.ReverseComplement(altWindow), refStart, refEnd));
        }
        return new Response(label, windows);
    }

    private static (Func<long, long, string> Fetch, long Start, string Ref, string Alt, string Label) FromSequence(Request request)
    {
        var sequence = (request.Sequence ?? "").Trim().ToUpperInvariant().Replace('U', 'T');
        if (sequence.Length == 0) throw new ArgumentException("sequence: empty; paste the sequence around the variant (or give chrom:pos:ref:alt)");
        var bad = sequence.AsSpan().IndexOfAnyExcept("ACGTN");
        if (bad >= 0) throw new ArgumentException($"sequence: character '{sequence[bad]}' at position {bad + 1} is not A, C, G, U/T or N");
        var (reference, alt) = Alleles(request.Ref, request.Alt);
        if (request.Position < 1 || request.Position + reference.Length - 1 > sequence.Length)
            throw new ArgumentException($"position: {request.Position} puts the {reference.Length}-base REF outside the {sequence.Length}-base sequence (1..{sequence.Length - reference.Length + 1})");
        var start = request.Position - 1;
        var found = sequence.Substring(start, reference.Length);
        if (found != reference)
            throw new ArgumentException($"ref: '{reference}' does not match the sequence at position {request.Position}, which reads '{found}'");
        string Fetch(long from, long to) => Slice(sequence, from, to);
        return (Fetch, start, reference, alt, string.Create(CultureInfo.InvariantCulture, $"pasted:{request.Position}:{reference}:{alt}"));
    }

    private static (Func<long, long, string>, long, string, string, string) FromLocus(string locus, Lazy<IndexedFasta>? genome)
    {
        if (genome is null) throw new ArgumentException("locus: this server has no reference FASTA (rbp serve --reference-fasta); paste a sequence window instead");
        var parts = locus.Trim().Split(':');
        if (parts.Length != 4 || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var pos) || pos < 1)
            throw new ArgumentException($"locus: '{locus}' is not chrom:pos:ref:alt with a 1-based position (e.g. chr1:12345:A:G)");
        var fasta = genome.Value;
        var chrom = parts[0];
        if (!fasta.Contains(chrom)) throw new ArgumentException($"locus: chromosome '{chrom}' is not in the reference FASTA");
        var (reference, alt) = Alleles(parts[2], parts[3]);
        var found = fasta.Fetch(chrom, pos - 1, pos - 1 + reference.Length);
        if (found != reference)
            throw new ArgumentException($"locus: REF '{reference}' does not match the reference at {chrom}:{pos}, which reads '{found}'");
        return ((from, to) => fasta.Fetch(chrom, from, to), pos - 1, reference, alt, $"{chrom}:{pos}:{reference}:{alt}");
    }

    private static (string Ref, string Alt) Alleles(string? reference, string? alt)
    {
        var r = (reference ?? "").Trim().ToUpperInvariant().Replace('U', 'T');
        var a = (alt ?? "").Trim().ToUpperInvariant().Replace('U', 'T');
        if (r.Length == 0 || r.AsSpan().IndexOfAnyExcept("ACGT") >= 0) throw new ArgumentException($"ref: '{reference}' is not a sequence of A, C, G, U/T");
        if (a.Length == 0 || a.AsSpan().IndexOfAnyExcept("ACGT") >= 0) throw new ArgumentException($"alt: '{alt}' is not a sequence of A, C, G, U/T");
        if (r == a) throw new ArgumentException($"alt: '{alt}' equals REF; nothing changes");
        return (r, a);
    }

    /// <summary>Bases [from, to) of a pasted window, N outside it (as the genome reads past a chromosome end).</summary>
    private static string Slice(string sequence, long from, long to)
    {
        var result = new char[to - from];
        for (var p = from; p < to; p++) result[p - from] = p >= 0 && p < sequence.Length ? sequence[(int)p] : 'N';
        return new string(result);
    }
}
