using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Threading.Channels;
using RbpPipeline.Contracts.Rbp.V1;
using RbpPipeline.Contracts.SequenceEncoding;

namespace RbpPipeline.Client.Variants;

/// <summary>What <see cref="VariantScorer.RunAsync"/> does.</summary>
public sealed record VariantScoringOptions
{
    public required string VcfPath { get; init; }

    public required string FastaPath { get; init; }

    public required string OutputPath { get; init; }

    /// <summary>Model names; empty: every model the server lists.</summary>
    public IReadOnlyList<string> Models { get; init; } = [];

    public bool Resume { get; init; }

    public ChromosomeNaming ChromosomeNaming { get; init; } = ChromosomeNaming.AsIs;

    public StrandMode Strand { get; init; } = StrandMode.Both;

    /// <summary>Write only variants with |diff| ≥ this for at least one model and task.</summary>
    public double? MinAbsDiff { get; init; }

    /// <summary>Variants per batch: one Predict call per model, each carrying 2 or 4 windows per variant.</summary>
    public int BatchSize { get; init; } = 512;

    /// <summary>Batches whose calls run at once (bounds memory); with several replicas, a few per replica keep them all busy.</summary>
    public int InFlight { get; init; } = 4;

    /// <summary>Attempts of a batch whose replica went away (it is sent again, to a replica still up).</summary>
    public int MaxAttempts { get; init; } = 5;

    /// <summary>Progress output (standard error in the CLI); null: none.</summary>
    public TextWriter? Progress { get; init; }

    /// <summary>Rewrite one line in place (a terminal) rather than printing periodic lines.</summary>
    public bool ProgressInPlace { get; init; }

    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>IG-score and ISM values (off by default); they need an <see cref="InterpretationService.InterpretationServiceClient"/>.</summary>
    public VariantInterpretation Interpretation { get; init; } = VariantInterpretation.None;
}

/// <summary>The counts of a run.</summary>
public sealed class VariantScoringSummary
{
    public long Records { get; set; }

    public long Variants { get; set; }

    public long Scored { get; set; }

    public long Written { get; set; }

    public long Filtered { get; set; }

    /// <summary>Variants passed over because an earlier run had written them (--resume).</summary>
    public long Resumed { get; set; }

    public Dictionary<string, long> Skipped { get; } = new(StringComparer.Ordinal);

    public IReadOnlyList<ScoredModel> Models { get; set; } = [];

    public TimeSpan Elapsed { get; set; }

    public double VariantsPerSecond => Elapsed.TotalSeconds > 0 ? Scored / Elapsed.TotalSeconds : 0;
}

/// <summary>
/// Scores the variants of a VCF with the models of a running server (or several replicas): reference and alternative
/// windows (both strands by default) in batches, one unary Predict call per batch and model, a bounded number of
/// batches in flight, outputs written in input order after every batch. Each call is a bounded piece of work, so
/// round robin spreads the batches over the replicas, and a batch whose replica dies is sent again to another one
/// (predictions are a pure function of the request, so the output is the same byte for byte). With <see cref="VariantScoringOptions.Interpretation"/>,
/// each batch's merged scores get IG-scores and ISM values from <c>InterpretationService</c> once its predictions
/// are in (they need the reported strand), while later batches are still predicted. See docs/variant-scoring.md.
/// </summary>
public static class VariantScorer
{
    public static async Task<IReadOnlyList<ScoredModel>> ResolveModelsAsync(ModelService.ModelServiceClient client, IReadOnlyList<string> names, CancellationToken cancellationToken)
    {
        var listed = await client.ListModelsAsync(new ListModelsRequest(), cancellationToken: cancellationToken).ConfigureAwait(false);
        var result = new List<ScoredModel>();
        var wanted = names.Count == 0 ? listed.Models.Select(m => m.Name).OrderBy(n => n, StringComparer.Ordinal).ToList() : names;
        foreach (var name in wanted)
        {
            var info = listed.Models.FirstOrDefault(m => m.Name == name)
                ?? throw new ArgumentException($"model '{name}' is not served (served: {string.Join(", ", listed.Models.Select(m => m.Name))})");
            var sequence = info.Inputs.FirstOrDefault(i => i.Name == "sequence");
            if (sequence is null || info.Inputs.Count != 1)
            {
                if (names.Count > 0) throw new ArgumentException($"model '{name}' takes inputs other than the sequence ({string.Join(", ", info.Inputs.Select(i => i.Name))}); variant scoring sends sequences only");
                continue;
            }
            // The output columns as the server names them ("task/class" for multiclass tasks): one probe prediction.
            var length = checked((int)sequence.Length);
            var probe = await client.PredictAsync(new PredictRequest { Model = info.Name, Version = info.Version, Sequences = { new string('A', length) } },
                cancellationToken: cancellationToken).ConfigureAwait(false);
            result.Add(new ScoredModel(info.Name, info.Version, [.. probe.Tasks], length));
        }
        if (result.Count == 0) throw new ArgumentException("no model to score with (the server lists none that takes only a sequence)");
        return result;
    }

    public static Task<VariantScoringSummary> RunAsync(ModelService.ModelServiceClient client, VariantScoringOptions options, CancellationToken cancellationToken) =>
        RunAsync(client, null, options, cancellationToken);

    /// <param name="interpretation">The server's InterpretationService; needed only with <see cref="VariantScoringOptions.Interpretation"/>.</param>
    public static async Task<VariantScoringSummary> RunAsync(ModelService.ModelServiceClient client, InterpretationService.InterpretationServiceClient? interpretation, VariantScoringOptions options,
        CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var summary = new VariantScoringSummary();
        var format = VariantOutput.FormatOf(options.OutputPath);
        var settings = options.Interpretation;
        settings.Validate();
        if (settings.Any && interpretation is null)
            throw new ArgumentException("IG-score and ISM values need the server's InterpretationService: pass an InterpretationServiceClient");
        var models = await ResolveModelsAsync(client, options.Models, cancellationToken).ConfigureAwait(false);
        summary.Models = models;
        using var interpreter = settings.Any ? await VariantInterpreter.CreateAsync(interpretation!, models, settings, cancellationToken).ConfigureAwait(false) : null;
        using var genome = IndexedFasta.Open(options.FastaPath);
        using var vcf = new VcfReader(options.VcfPath);
        var header = VariantOutput.Header(format, vcf.HeaderLines, models, settings);
        var rowsPerVariant = VariantOutput.RowsPerVariant(format, models);
        var resume = options.Resume ? ResumeState.Prepare(options.OutputPath, header, rowsPerVariant,
                format == VariantOutputFormat.Tsv ? models.Select(m => $"{m.Name}\t{m.Version.ToString(CultureInfo.InvariantCulture)}").ToHashSet(StringComparer.Ordinal) : null) : ResumeState.Fresh;

        await using var file = new FileStream(options.OutputPath, resume.WriteHeader && !options.Resume ? FileMode.Create : FileMode.Append,
            FileAccess.Write, FileShare.Read, 1 << 16);
        var utf8 = new UTF8Encoding(false);
        if (resume.WriteHeader)
        {
            await file.WriteAsync(utf8.GetBytes(string.Join("", header.Select(h => h + "\n"))), cancellationToken).ConfigureAwait(false);
            await file.FlushAsync(cancellationToken).ConfigureAwait(false);
        }

        var strands = options.Strand == StrandMode.Both ? 2 : 1;
        var batchSize = Math.Max(1, options.BatchSize);
        var inFlight = Math.Max(1, options.InFlight);
        var progress = new ProgressLine(options.Progress, options.ProgressInPlace, options.ProgressInterval, vcf);
        // Background work (receiving, interpreting, writing) stops with this token when the run fails.
        using var abort = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var token = abort.Token;
        var maxAttempts = Math.Max(1, options.MaxAttempts);
        var window = new SemaphoreSlim(inFlight, inFlight);
        var order = Channel.CreateUnbounded<Batch>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        long sent = 0, written = 0;

        // Batches are written in the order they were sent, each once its scores (and interpretation values) are ready.
        var writer = Task.Run(async () =>
        {
            await foreach (var batch in order.Reader.ReadAllAsync(token).ConfigureAwait(false))
            {
                var variants = await batch.Scored!.ConfigureAwait(false);
                var text = Format(variants, format, settings, summary);
                await file.WriteAsync(utf8.GetBytes(text), token).ConfigureAwait(false);
                await file.FlushAsync(token).ConfigureAwait(false);
                written++;
                window.Release();
            }
        }, token);

        try
        {
            var pending = new List<(Variant Variant, VariantWindow[] Windows)>(batchSize);
            var skipping = resume.LastKey is not null;
            long seen = 0;
            foreach (var variant in vcf.ReadVariants((reason, _) => Count(summary, reason)))
            {
                summary.Variants++;
                if (skipping)
                {
                    summary.Resumed++;
                    if (variant.Key == resume.LastKey && ++seen == resume.Occurrences) skipping = false;
                    continue;
                }
                var where = $"{options.VcfPath}:{variant.LineNumber}";
                var chrom = VariantWindows.MapChromosome(genome, variant.Chrom, options.ChromosomeNaming, where);
                var refLength = variant.Ref.Length;
                if (variant.Pos - 1 + refLength > genome.LengthOf(chrom)
                    || !genome.Fetch(chrom, variant.Pos - 1, variant.Pos - 1 + refLength).Equals(variant.Ref.ToUpperInvariant(), StringComparison.Ordinal))
                {
                    Count(summary, SkipReasons.RefMismatch);
                    continue;
                }
                var windows = new VariantWindow[models.Count];
                for (var m = 0; m < models.Count; m++)
                    windows[m] = VariantWindows.For(genome, chrom, variant.Pos, variant.Ref, variant.Alt, models[m].Length);
                pending.Add((variant, windows));
                if (pending.Count >= batchSize) await SendAsync(pending).ConfigureAwait(false);
                progress.Report(summary.Variants);
            }
            if (skipping && resume.LastKey is not null)
                throw new FormatException($"{options.OutputPath}: its last variant ({resume.LastKey.Replace('\t', ' ')}) was not found in {options.VcfPath}; the output belongs to another VCF");
            if (pending.Count > 0) await SendAsync(pending).ConfigureAwait(false);
            order.Writer.Complete();
            await writer.ConfigureAwait(false);
        }
        finally
        {
            abort.Cancel();
        }
        if (written != sent) throw new IOException($"the server answered {written} of {sent} batches");
        summary.Records = vcf.RecordsRead;
        summary.Elapsed = clock.Elapsed;
        progress.Finish(summary);
        return summary;

        async Task SendAsync(List<(Variant Variant, VariantWindow[] Windows)> pending)
        {
            var slot = window.WaitAsync(token);
            if (await Task.WhenAny(slot, writer).ConfigureAwait(false) == writer && !slot.IsCompleted)
            {
                await writer.ConfigureAwait(false);
                throw new IOException("the output writer stopped before every batch was written");
            }
            await slot.ConfigureAwait(false);
            var batch = new Batch(sent, [.. pending], models.Count);
            pending.Clear();
            batch.Scored = ScoreAsync(batch);
            await order.Writer.WriteAsync(batch, token).ConfigureAwait(false);
            sent++;
        }

        // One Predict call per model (each may land on another replica), then strands merged and filtered, then
        // the interpretation values.
        async Task<ScoredVariant[]> ScoreAsync(Batch batch)
        {
            await Task.WhenAll(Enumerable.Range(0, models.Count).Select(async m =>
            {
                var request = PredictRequestFor(batch, m);
                batch.Responses[m] = await ReplicaRetry.RunAsync(
                    ct => client.PredictAsync(request, cancellationToken: ct).ResponseAsync, maxAttempts, token).ConfigureAwait(false);
            })).ConfigureAwait(false);
            var variants = Merge(batch, models, strands, options.MinAbsDiff);
            if (interpreter is not null) await interpreter.AddAsync(variants, token).ConfigureAwait(false);
            return variants;
        }

        PredictRequest PredictRequestFor(Batch batch, int m)
        {
            var request = new PredictRequest
            {
                Model = models[m].Name,
                Version = models[m].Version,
                Id = string.Create(CultureInfo.InvariantCulture, $"{batch.Number}/{m}"),
            };
            foreach (var (_, windows) in batch.Variants)
            {
                var w = windows[m];
                request.Sequences.Add(w.Ref);
                request.Sequences.Add(w.Alt);
                if (strands == 2)
                {
                    request.Sequences.Add(Nucleotides.ReverseComplement(w.Ref));
                    request.Sequences.Add(Nucleotides.ReverseComplement(w.Alt));
                }
            }
            return request;
        }
    }

    private static void Count(VariantScoringSummary summary, string reason)
    {
        summary.Skipped.TryGetValue(reason, out var n);
        summary.Skipped[reason] = n + 1;
    }

    /// <summary>
    /// Per variant and per model × task, the strand with the larger |diff| (ties: '+'), and whether the variant
    /// passes <c>--min-abs-diff</c>.
    /// </summary>
    private static ScoredVariant[] Merge(Batch batch, IReadOnlyList<ScoredModel> models, int strands, double? minAbsDiff)
    {
        var perVariant = 2 * strands;
        for (var m = 0; m < models.Count; m++)
        {
            var expected = batch.Variants.Length * perVariant;
            var got = batch.Responses[m]!.Predictions.Count;
            if (got != expected) throw new IOException($"model {models[m].Name}: the server answered {got} predictions for {expected} sequences");
        }
        var result = new ScoredVariant[batch.Variants.Length];
        var columns = models.Sum(m => m.Tasks.Count);
        for (var v = 0; v < batch.Variants.Length; v++)
        {
            var scores = new VariantScore[columns];
            var k = 0;
            for (var m = 0; m < models.Count; m++)
            {
                var p = batch.Responses[m]!.Predictions;
                var model = models[m];
                for (var t = 0; t < model.Tasks.Count; t++)
                {
                    VariantScore best = default;
                    for (var s = 0; s < strands; s++)
                    {
                        var r = p[v * perVariant + 2 * s];
                        var a = p[v * perVariant + 2 * s + 1];
                        var score = new VariantScore(model, t, s == 0 ? '+' : '-', r.Values[t], a.Values[t], (double)a.Raw[t] - r.Raw[t]);
                        if (s == 0 || Math.Abs(score.Diff) > Math.Abs(best.Diff)) best = score;
                    }
                    scores[k++] = best;
                }
            }
            var kept = minAbsDiff is not { } min || scores.Any(s => Math.Abs(s.Diff) >= min);
            result[v] = new ScoredVariant(batch.Variants[v].Variant, batch.Variants[v].Windows, scores, kept);
        }
        return result;
    }

    /// <summary>Formats one finished batch and counts it.</summary>
    private static string Format(ScoredVariant[] variants, VariantOutputFormat format, VariantInterpretation settings, VariantScoringSummary summary)
    {
        var text = new StringBuilder();
        foreach (var variant in variants)
        {
            summary.Scored++;
            if (!variant.Kept) { summary.Filtered++; continue; }
            VariantOutput.Append(text, format, variant.Variant, variant.Scores, settings);
            summary.Written++;
        }
        return text.ToString();
    }

    private sealed class Batch(long number, (Variant Variant, VariantWindow[] Windows)[] variants, int models)
    {
        public long Number { get; } = number;

        public (Variant Variant, VariantWindow[] Windows)[] Variants { get; } = variants;

        public PredictResponse?[] Responses { get; } = new PredictResponse?[models];

        /// <summary>The merged, filtered and interpreted variants; set before the batch is queued for writing.</summary>
        public Task<ScoredVariant[]>? Scored { get; set; }
    }

    /// <summary>Variants/s and ETA (from the share of the VCF's bytes read) on one refreshed line or periodic lines.</summary>
    private sealed class ProgressLine(TextWriter? output, bool inPlace, TimeSpan interval, VcfReader vcf)
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private TimeSpan _last = TimeSpan.Zero;

        public void Report(long variants)
        {
            if (output is null) return;
            var now = _clock.Elapsed;
            if (now - _last < (inPlace ? TimeSpan.FromMilliseconds(250) : interval)) return;
            _last = now;
            var rate = variants / Math.Max(now.TotalSeconds, 1e-9);
            var fraction = vcf.FileLength > 0 ? (double)vcf.BytesRead / vcf.FileLength : 0;
            var eta = fraction > 0.001 ? TimeSpan.FromSeconds(now.TotalSeconds * (1 - fraction) / fraction) : (TimeSpan?)null;
            var line = string.Create(CultureInfo.InvariantCulture,
                $"{variants} variants, {rate:F0} variants/s, {fraction * 100:F1}% of the VCF, ETA {(eta is { } e ? e.ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture) : "?")}");
            if (inPlace) output.Write("\r" + line.PadRight(79));
            else output.WriteLine(line);
        }

        public void Finish(VariantScoringSummary summary)
        {
            if (output is null) return;
            if (inPlace) output.Write("\r" + new string(' ', 79) + "\r");
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{summary.Scored} variants scored ({summary.VariantsPerSecond:F0}/s), {summary.Written} written, {summary.Filtered} filtered, {summary.Resumed} resumed past, {summary.Skipped.Values.Sum()} skipped"));
            foreach (var (reason, count) in summary.Skipped.OrderBy(p => p.Key, StringComparer.Ordinal))
                output.WriteLine($"  skipped {count}: {reason}");
        }
    }
}
