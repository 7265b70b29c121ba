using System.Text.Json;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using RbpPipeline.Contracts.Rbp.V1;
using RbpPipeline.Visualization;

namespace RbpPipeline.Explorer;

/// <summary>
/// The explorer's pictures: rbp.v1 messages the page received (as JSON) drawn by src/Visualization, the same SVGs
/// the CLI writes. Nothing is computed here beyond what the renderers do; bad input is INVALID_ARGUMENT naming it.
/// </summary>
internal static class RenderEndpoints
{
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(false));

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/explorer/render");
        group.MapPost("/attribution-logo", (Func<HttpContext, Task<IResult>>)(context => Render(context, AttributionLogoSvg)));
        group.MapPost("/ism-heatmap", (Func<HttpContext, Task<IResult>>)(context => Render(context, IsmHeatmapSvg)));
        group.MapPost("/motif-logo", (Func<HttpContext, Task<IResult>>)(context => Render(context, MotifLogoSvg)));
    }

    private static async Task<IResult> Render(HttpContext context, Func<JsonElement, string> render)
    {
        try
        {
            using var body = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
            return Results.Text(render(body.RootElement), "image/svg+xml");
        }
        catch (Exception e) when (e is ArgumentException or JsonException or InvalidProtocolBufferException or FormatException or KeyNotFoundException)
        {
            return ApiError.Of(StatusCode.InvalidArgument, e.Message);
        }
    }

    /// <summary>{attribution: rbp.v1.Attribution, view: "projected" | "channels", title}.</summary>
    private static string AttributionLogoSvg(JsonElement body)
    {
        var attribution = Message<Attribution>(body, "attribution");
        var map = attribution.Maps.FirstOrDefault(m => m.Input == "sequence") ?? attribution.Maps.FirstOrDefault()
            ?? throw new ArgumentException("attribution: the message holds no attribution map");
        var view = Text(body, "view") ?? "projected";
        var mode = view switch
        {
            "projected" => AttributionLogoMode.Projected,
            "channels" => AttributionLogoMode.PerChannel,
            _ => throw new ArgumentException($"view: '{view}' is not 'projected' or 'channels'"),
        };
        return AttributionLogo.Render([.. map.Values], attribution.Sequence, Text(body, "title"), options: new AttributionLogoOptions { Mode = mode });
    }

    /// <summary>{mutagenesis: rbp.v1.MutagenesisResponse, title}: the heatmap of the target deltas with the norm logo.</summary>
    private static string IsmHeatmapSvg(JsonElement body)
    {
        var m = Message<MutagenesisResponse>(body, "mutagenesis");
        if (m.WindowStart < 0 || m.WindowStart + m.WindowLength > m.Sequence.Length)
            throw new ArgumentException($"mutagenesis: window {m.WindowStart}+{m.WindowLength} lies outside the {m.Sequence.Length}-base sequence");
        var labels = Enumerable.Range(m.WindowStart + 1, m.WindowLength).Select(p => p.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList();
        return IsmHeatmap.Render([.. m.TargetDeltas], m.Sequence.Substring(m.WindowStart, m.WindowLength), [.. m.PositionNorms],
            Text(body, "title"), labels);
    }

    /// <summary>{motif: rbp.v1.Motif, title}.</summary>
    private static string MotifLogoSvg(JsonElement body)
    {
        var motif = Message<Motif>(body, "motif");
        return MotifLogo.Render([.. motif.Probabilities], Text(body, "title") ?? motif.Name);
    }

    private static T Message<T>(JsonElement body, string property) where T : IMessage<T>, new()
    {
        if (body.ValueKind != JsonValueKind.Object || !body.TryGetProperty(property, out var element) || element.ValueKind != JsonValueKind.Object)
            throw new ArgumentException($"{property}: missing; send the rbp.v1 message the server returned");
        return Parser.Parse<T>(element.GetRawText());
    }

    private static string? Text(JsonElement body, string property) =>
        body.TryGetProperty(property, out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null;
}
