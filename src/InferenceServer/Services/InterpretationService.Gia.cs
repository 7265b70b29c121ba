using RbpPipeline.Contracts.Rbp.V1;
using Grpc.Core;
using RbpPipeline.InferenceServer.Interpretation;
using RbpPipeline.InferenceServer.Models;
using RbpPipeline.Interpretation;
using RbpPipeline.Interpretation.Backgrounds;
using RbpPipeline.Interpretation.Gia;
using RbpPipeline.Interpretation.Motifs;
using RbpPipeline.Interpretation.Sequences;
using Case = RbpPipeline.Contracts.Rbp.V1.GlobalImportanceRequest.ExperimentOneofCase;
using ProtoMotif = RbpPipeline.Contracts.Rbp.V1.Motif;

namespace RbpPipeline.InferenceServer.Services;

public sealed partial class InterpretationService
{
    /// <summary>Conditions per streamed message (a 6-mer scan with local effects is 4,096 × backgrounds floats).</summary>
    private const int ConditionsPerResponse = 256;

    public override async Task GlobalImportance(GlobalImportanceRequest request, IServerStreamWriter<GlobalImportanceResponse> responses,
        ServerCallContext context)
    {
        using var call = stopping.Link(context);
        var ct = call.Token;
        if (request.ExperimentCase == Case.None)
            throw new ArgumentException("the request names no experiment (embed, kmer_scan, positional, mutation_scan, multiple_sites, spacing or context)");
        using var lease = Lease(request.Model, request.Version);
        var model = lease.Model;
        _checks.GlobalImportance(request, model.Manifest.Encoding.Length);
        var evaluator = Evaluator(model);
        var target = Target(model, request.Target);
        var generated = await BackgroundsAsync(model, evaluator, target, request.Background ?? throw Missing("background"), ct).ConfigureAwait(false);
        var gia = new GlobalImportanceAnalysis(evaluator, target, generated.Backgrounds,
            new GiaOptions { KeepLocalEffects = request.ReturnLocalEffects, BatchSize = evaluator.PreferredBatchSize, Seed = unchecked((int)request.Background.Seed) });
        var summary = new GlobalImportanceResponse { Model = model.Name, Version = model.Version, Done = true, Backgrounds = generated.Backgrounds.Count };
        summary.Notes.AddRange(generated.Notes);
        var results = await RunExperimentAsync(request, gia, summary, ct).ConfigureAwait(false);
        var limit = request.ExperimentCase == Case.KmerScan && request.KmerScan.Top > 0 ? request.KmerScan.Top : int.MaxValue;
        var pending = new GlobalImportanceResponse { Model = model.Name, Version = model.Version };
        var sent = 0;
        foreach (var result in results)
        {
            summary.BackgroundMean = result.BackgroundMean;
            for (var i = 0; i < result.Conditions.Count && sent < limit; i++, sent++)
            {
                pending.Conditions.Add(Condition(result, i));
                if (pending.Conditions.Count < ConditionsPerResponse) continue;
                await responses.WriteAsync(pending, ct).ConfigureAwait(false);
                pending = new GlobalImportanceResponse { Model = model.Name, Version = model.Version };
            }
        }
        summary.Conditions.AddRange(pending.Conditions);
        await responses.WriteAsync(summary, ct).ConfigureAwait(false);
    }

    /// <summary>Runs the experiment; fills the summary's motif or matrix; returns the results whose conditions are streamed.</summary>
    private static async Task<IReadOnlyList<GiaResult>> RunExperimentAsync(GlobalImportanceRequest request, GlobalImportanceAnalysis gia,
        GlobalImportanceResponse summary, CancellationToken ct)
    {
        switch (request.ExperimentCase)
        {
            case Case.Embed:
                if (request.Embed.Patterns.Count == 0) throw new ArgumentException("embed: no patterns");
                return [await gia.EmbedAsync([.. request.Embed.Patterns.Select(Placement)], ct).ConfigureAwait(false)];
            case Case.KmerScan:
            {
                var scan = await gia.KmerScanAsync(request.KmerScan.K, request.KmerScan.Position, ct).ConfigureAwait(false);
                var top = scan.Top(request.KmerScan.MotifKmers > 0 ? request.KmerScan.MotifKmers : 10);
                if (top.Any(t => t.Importance > 0)) summary.Motif = Proto(KmerAlignmentMotif.Build(top, top.Count, name: "kmer_alignment"));
                return [scan.Result];
            }
            case Case.Positional:
                return [(await gia.PositionalScanAsync([request.Positional.Pattern],
                    request.Positional.Positions.Count > 0 ? [.. request.Positional.Positions] : null, ct).ConfigureAwait(false)).Result];
            case Case.MutationScan:
            {
                var pattern = request.MutationScan.Pattern ?? throw new ArgumentException("mutation_scan: no pattern");
                var scan = await gia.MutationScanAsync(pattern.Sequence, pattern.Position, ct).ConfigureAwait(false);
                for (var b = 0; b < 4; b++) summary.Matrix.AddRange(scan.Delta[b].Select(v => (float)v));
                return [scan.Result];
            }
            case Case.MultipleSites:
                return [(await gia.MultipleSitesAsync(request.MultipleSites.Pattern, [.. request.MultipleSites.Positions], ct).ConfigureAwait(false)).Result];
            case Case.Spacing:
            {
                var first = request.Spacing.First ?? throw new ArgumentException("spacing: no first pattern");
                return [(await gia.SpacingAsync(first.Sequence, first.Position, request.Spacing.Second, [.. request.Spacing.Spacings], ct).ConfigureAwait(false)).Result];
            }
            default:
            {
                var context = request.Context;
                var pattern = context.Pattern ?? throw new ArgumentException("context: no pattern");
                if (context.GcBlock <= 0 && context.Stem <= 0) throw new ArgumentException("context: set gc_block, or stem and loop, or both");
                var results = new List<GiaResult>();
                if (context.GcBlock > 0)
                    results.Add((await gia.GcContextAsync(pattern.Sequence, pattern.Position, context.GcBlock, GcBlockStyle.Random, ct).ConfigureAwait(false)).Result);
                if (context.Stem > 0)
                    results.Add((await gia.HairpinContextAsync(pattern.Sequence, pattern.Position, context.Stem,
                        Math.Max(context.Loop, pattern.Sequence.Length), ct).ConfigureAwait(false)).Result);
                return results;
            }
        }
    }

    private async Task<GeneratedBackgrounds> BackgroundsAsync(ServedModel model, ServedModelEvaluator evaluator, PredictionTarget target,
        Background background, CancellationToken ct)
    {
        if (background.Reference is null || (background.Reference.Sequences.Count == 0 && background.Reference.Encoded.Count == 0))
            throw new ArgumentException("background.reference: the backgrounds are made from a reference set; send its sequences");
        var (inputs, rows) = predictor.Encode(model, background.Reference, LimitHint);
        if (background.ReferenceScores.Count != 0 && background.ReferenceScores.Count != rows)
            throw new ArgumentException($"background.reference_scores has {background.ReferenceScores.Count} values for {rows} reference sequences");
        var filtered = background.MinPercentile != 0 || background.MaxPercentile != 0;
        var spec = new BackgroundSpec(background.Kind switch
        {
            Background.Types.Kind.Profile => BackgroundKind.Profile,
            Background.Types.Kind.Shuffle => BackgroundKind.Shuffle,
            Background.Types.Kind.DinucleotideShuffle => BackgroundKind.DinucleotideShuffle,
            Background.Types.Kind.Quartile => BackgroundKind.Quartile,
            Background.Types.Kind.Custom => BackgroundKind.Custom,
            _ => throw new ArgumentException($"background.kind {(int)background.Kind} is not a background kind"),
        })
        {
            Count = background.Count > 0 ? background.Count : BackgroundSource.DefaultCount,
            Seed = unchecked((int)background.Seed),
            Quartile = background.Kind == Background.Types.Kind.Quartile
                ? background.Quartile is >= 1 and <= 4 ? background.Quartile
                    : throw new ArgumentException($"background.quartile is {background.Quartile}; expected 1 (lowest) to 4")
                : 1,
            ReferenceScores = background.ReferenceScores.Count > 0 ? [.. background.ReferenceScores] : null,
            MinPercentile = filtered ? background.MinPercentile : null,
            MaxPercentile = filtered ? background.MaxPercentile : null,
        };
        return await BackgroundFactory.CreateAsync(spec, ReferenceSet(model, inputs, rows), evaluator, target, ct).ConfigureAwait(false);
    }

    /// <summary>The encoded reference rows as codes plus the model's other inputs.</summary>
    private static BackgroundSet ReferenceSet(ServedModel model, float[][] inputs, int rows)
    {
        var length = model.Manifest.Encoding.Length;
        var codes = new byte[rows][];
        for (var r = 0; r < rows; r++)
        {
            codes[r] = new byte[length];
            NucleotideCodes.FromOneHot(inputs[0].AsSpan(r * 4 * length, 4 * length), codes[r]);
        }
        var tracks = model.Manifest.Inputs.Skip(1).Select(i => new ModelInputShape(i.Name, i.Channels.Count, i.Length)).ToList();
        return new BackgroundSet(codes, tracks, inputs[1..]);
    }

    private static PatternPlacement Placement(Pattern pattern) => new(pattern.Sequence, pattern.Position);

    private static Condition Condition(GiaResult result, int index)
    {
        var importance = result.Conditions[index];
        var condition = new Condition
        {
            Label = importance.Label,
            GlobalImportance = importance.Mean,
            StandardError = importance.StandardError,
            Pattern = importance.Pattern ?? "",
            Position = importance.Position ?? 0,
            Value = importance.Value ?? 0,
        };
        if (result.HasLocalEffects) condition.LocalEffects.AddRange(result.LocalEffects(index).ToArray());
        return condition;
    }

    private static ProtoMotif Proto(RbpPipeline.Interpretation.Motifs.Motif motif)
    {
        var proto = new ProtoMotif { Name = motif.Name, Width = motif.Width, Sites = motif.Sites };
        for (var p = 0; p < motif.Width; p++)
            for (var c = 0; c < 4; c++) proto.Probabilities.Add((float)motif[p, c]);
        return proto;
    }
}
