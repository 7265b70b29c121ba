using System.Globalization;
using RbpPipeline.Contracts.Rbp.V1;
using RbpPipeline.Contracts.SequenceEncoding;
using Grpc.Core;

namespace RbpPipeline.Client.Variants;

/// <summary>
/// The optional interpretation values of variant scoring (docs/variant-scoring.md, "Interpretation scores"); both are
/// off by default because they cost far more than the predictions.
/// </summary>
public sealed record VariantInterpretation
{
    public static VariantInterpretation None { get; } = new();

    /// <summary>IG-score: integrated gradients of the ref and alt windows, alt − ref of the summed attributions near the allele.</summary>
    public bool IgScore { get; init; }

    /// <summary>Positions on each side of the allele whose attributions are summed (0: the allele's own bases).</summary>
    public int IgWindow { get; init; } = 10;

    /// <summary>Gauss–Legendre nodes of the integrated-gradients path integral.</summary>
    public int IgSteps { get; init; } = 50;

    /// <summary>In-silico mutagenesis of the ref window at the variant's first REF base.</summary>
    public bool Ism { get; init; }

    public bool Any => IgScore || Ism;

    /// <summary>The settings as the VCF header records them.</summary>
    public string Describe() => string.Join(',', new[]
    {
        IgScore ? string.Create(CultureInfo.InvariantCulture, $"ig_window={IgWindow},ig_steps={IgSteps},ig_rule=gauss-legendre,ig_baseline=zeros,ig_space=raw") : null,
        Ism ? "ism=first-ref-base,ism_space=raw" : null,
    }.Where(p => p is not null));

    public void Validate()
    {
        if (IgWindow < 0) throw new ArgumentException($"--ig-window is {IgWindow}; it must be 0 or more");
        if (IgSteps < 1) throw new ArgumentException($"--ig-steps is {IgSteps}; integrated gradients needs at least 1 step");
    }
}

/// <summary>One variant of a batch after the strand merge: its windows per model and its scores per model × task.</summary>
internal sealed record ScoredVariant(Variant Variant, VariantWindow[] Windows, VariantScore[] Scores, bool Kept);

/// <summary>
/// Adds IG-scores and ISM values to the merged scores of a batch through <c>rbp.v1.InterpretationService</c>. Values
/// are computed on the strand the merge rule reported for each model and task, so they describe the same windows as
/// ref_score and alt_score (and cost half of computing both strands). Calls are split into chunks and a bounded
/// number run at once: the server computes a call's inputs one chunk (Attribute) or one row (Mutagenesis) after
/// another, so concurrent calls are what lets its batcher fill batches.
/// </summary>
internal sealed class VariantInterpreter : IDisposable
{
    private const int AttributeSequencesPerCall = 128;
    private const int MutagenesisSequencesPerCall = 32;
    private const int MaxCallsInFlight = 8;
    private const int MaxAttempts = 5;

    private readonly InterpretationService.InterpretationServiceClient _client;
    private readonly IReadOnlyList<ScoredModel> _models;
    private readonly int[] _offsets;
    private readonly VariantInterpretation _settings;
    private readonly SemaphoreSlim _calls = new(MaxCallsInFlight, MaxCallsInFlight);

    private VariantInterpreter(InterpretationService.InterpretationServiceClient client, IReadOnlyList<ScoredModel> models, VariantInterpretation settings)
    {
        _client = client;
        _models = models;
        _settings = settings;
        _offsets = new int[models.Count];
        for (var m = 1; m < models.Count; m++) _offsets[m] = _offsets[m - 1] + models[m - 1].Tasks.Count;
    }

    /// <summary>
    /// Checks up front, with one small Attribute call per model, that IG can run (a model published without
    /// gradient.onnx would otherwise fail the first batch), so the error names the option and the model.
    /// </summary>
    public static async Task<VariantInterpreter> CreateAsync(InterpretationService.InterpretationServiceClient client, IReadOnlyList<ScoredModel> models,
        VariantInterpretation settings, CancellationToken cancellationToken)
    {
        settings.Validate();
        var interpreter = new VariantInterpreter(client, models, settings);
        try
        {
            if (settings.IgScore)
                foreach (var model in models) await interpreter.ProbeAsync(model, cancellationToken).ConfigureAwait(false);
            return interpreter;
        }
        catch
        {
            interpreter.Dispose();
            throw;
        }
    }

    private async Task ProbeAsync(ScoredModel model, CancellationToken cancellationToken)
    {
        var probe = AttributeRequest(model, 0, [new string('A', model.Length)]);
        try
        {
            using var call = _client.Attribute(probe, cancellationToken: cancellationToken);
            await foreach (var _ in call.ResponseStream.ReadAllAsync(cancellationToken).ConfigureAwait(false)) { }
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.FailedPrecondition or StatusCode.InvalidArgument or StatusCode.Unimplemented)
        {
            throw new ArgumentException($"--ig-score: model {model.Name} version {model.Version}: {e.Status.Detail}", e);
        }
    }

    /// <summary>Fills IgScore / IsmNorm / IsmAlt of the kept variants' scores (filtered variants are not interpreted).</summary>
    public async Task AddAsync(IReadOnlyList<ScoredVariant> variants, CancellationToken cancellationToken)
    {
        var kept = variants.Where(v => v.Kept).ToArray();
        if (kept.Length == 0) return;
        var ig = new List<(int Score, Task<double[]> Values)>();
        var ism = new List<(int Model, Task<IsmValue?[][]> Values)>();
        for (var m = 0; m < _models.Count; m++)
        {
            if (_settings.IgScore)
                for (var t = 0; t < _models[m].Tasks.Count; t++) ig.Add((_offsets[m] + t, IgScoresAsync(kept, m, t, cancellationToken)));
            if (_settings.Ism) ism.Add((m, IsmAsync(kept, m, cancellationToken)));
        }
        await Task.WhenAll(ig.Select(p => (Task)p.Values).Concat(ism.Select(p => p.Values))).ConfigureAwait(false);

        // The calls ran concurrently; the score structs are updated here, one writer, so no update is lost.
        foreach (var (k, task) in ig)
        {
            var values = await task.ConfigureAwait(false);
            for (var i = 0; i < kept.Length; i++) kept[i].Scores[k] = kept[i].Scores[k] with { IgScore = values[i] };
        }
        foreach (var (m, task) in ism)
        {
            var values = await task.ConfigureAwait(false);
            for (var i = 0; i < kept.Length; i++)
                for (var t = 0; t < _models[m].Tasks.Count; t++)
                {
                    var k = _offsets[m] + t;
                    kept[i].Scores[k] = kept[i].Scores[k] with { IsmNorm = values[i][t]?.Norm, IsmAlt = values[i][t]?.Alt };
                }
        }
    }

    /// <summary>
    /// IG-score of every kept variant for model <paramref name="m"/>, task <paramref name="t"/>: Σ attributions of the
    /// alt window over the alt allele ± IgWindow minus the same for the ref window over the REF allele, both on the
    /// reported strand.
    /// </summary>
    private async Task<double[]> IgScoresAsync(ScoredVariant[] kept, int m, int t, CancellationToken cancellationToken)
    {
        var model = _models[m];
        var k = _offsets[m] + t;
        var sequences = new List<string>(2 * kept.Length);
        var regions = new List<(int Start, int End)>(2 * kept.Length);
        foreach (var variant in kept)
        {
            var strand = variant.Scores[k].Strand;
            var window = variant.Windows[m];
            sequences.Add(Oriented(window.Ref, strand));
            regions.Add(Region(variant.Variant.Ref.Length, model.Length, strand));
            sequences.Add(Oriented(window.Alt, strand));
            regions.Add(Region(variant.Variant.Alt.Length, model.Length, strand));
        }
        var sums = new double[sequences.Count];
        var chunks = new List<Task>();
        for (var start = 0; start < sequences.Count; start += AttributeSequencesPerCall)
            chunks.Add(SumAttributionsAsync(model, t, sequences, regions, start, Math.Min(AttributeSequencesPerCall, sequences.Count - start), sums, cancellationToken));
        await Task.WhenAll(chunks).ConfigureAwait(false);
        var scores = new double[kept.Length];
        for (var i = 0; i < kept.Length; i++) scores[i] = sums[2 * i + 1] - sums[2 * i];
        return scores;
    }

    /// <summary>The allele's bases ± IgWindow, clipped to the window.</summary>
    private (int Start, int End) Region(int alleleLength, int length, char strand)
    {
        var (start, end) = VariantWindows.AlleleSpan(alleleLength, length, strand);
        return (Math.Max(0, start - _settings.IgWindow), Math.Min(length, end + _settings.IgWindow));
    }

    private async Task SumAttributionsAsync(ScoredModel model, int task, List<string> sequences, List<(int Start, int End)> regions,
        int start, int count, double[] sums, CancellationToken cancellationToken)
    {
        var request = AttributeRequest(model, task, sequences.GetRange(start, count));
        bool[] answered;
        await _calls.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Sent again, whole, when its replica dies mid-stream (each sum is overwritten with the same value).
            answered = await ReplicaRetry.RunAsync(async ct =>
            {
                var seen = new bool[count];
                using var call = _client.Attribute(request, cancellationToken: ct);
                await foreach (var response in call.ResponseStream.ReadAllAsync(ct).ConfigureAwait(false))
                    foreach (var attribution in response.Attributions)
                    {
                        var index = attribution.Index;
                        if (index < 0 || index >= count || seen[index])
                            throw new IOException($"Attribute (model {model.Name}, task {model.Tasks[task]}): the server answered input {index} of a call with {count} inputs, or twice");
                        var map = attribution.Maps.FirstOrDefault(a => a.Input == "sequence")
                            ?? throw new IOException($"Attribute (model {model.Name}): the answer for input {index} has no 'sequence' map");
                        sums[start + index] = RegionSum(map, regions[start + (int)index], model);
                        seen[index] = true;
                    }
                return seen;
            }, MaxAttempts, cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException e)
        {
            throw new RpcException(new Status(e.StatusCode, $"Attribute (model {model.Name}, task {model.Tasks[task]}, --ig-score): {e.Status.Detail}"));
        }
        finally
        {
            _calls.Release();
        }
        if (answered.Any(a => !a))
            throw new IOException($"Attribute (model {model.Name}, task {model.Tasks[task]}): the server answered {answered.Count(a => a)} of {count} inputs");
    }

    /// <summary>Σ over channels and over positions [Start, End) of a [channels, L] attribution map.</summary>
    private static double RegionSum(AttributionMap map, (int Start, int End) region, ScoredModel model)
    {
        var channels = map.Channels.Count;
        if (map.Length != model.Length || map.Values.Count != channels * model.Length)
            throw new IOException($"Attribute (model {model.Name}): a map of {map.Values.Count} values for {channels} channels × length {map.Length}; expected length {model.Length}");
        var sum = 0.0;
        for (var c = 0; c < channels; c++)
            for (var l = region.Start; l < region.End; l++) sum += map.Values[c * model.Length + l];
        return sum;
    }

    private AttributeRequest AttributeRequest(ScoredModel model, int task, IEnumerable<string> sequences)
    {
        var request = new AttributeRequest
        {
            Model = model.Name,
            Version = model.Version,
            Method = AttributionMethod.IntegratedGradients,
            Steps = _settings.IgSteps,
            Rule = IntegrationRule.GaussLegendre,
            Baseline = new Baseline { Kind = Baseline.Types.Kind.Zeros },
            Target = RawTarget(model.Tasks[task]),
            Inputs = new SequenceBatch(),
        };
        request.Inputs.Sequences.AddRange(sequences);
        return request;
    }

    private static Target RawTarget(string column) => new() { Weights = { [column] = 1f }, Space = TargetSpace.Raw };

    /// <summary>ISM at the variant's first REF base of one model's ref windows, on the strands its tasks reported.</summary>
    private readonly record struct IsmValue(double Norm, double? Alt);

    /// <summary>
    /// ISM values [kept variant][task] for model <paramref name="m"/>. Mutagenesis reports the raw change of every
    /// output column, so one scan per (variant, strand) serves every task; rows are grouped by position because a
    /// request has one window_start.
    /// </summary>
    private async Task<IsmValue?[][]> IsmAsync(ScoredVariant[] kept, int m, CancellationToken cancellationToken)
    {
        var model = _models[m];
        var tasks = model.Tasks.Count;
        var rows = new List<(int Variant, char Strand, int Position)>();
        for (var i = 0; i < kept.Length; i++)
            foreach (var strand in kept[i].Scores.AsSpan(_offsets[m], tasks).ToArray().Select(s => s.Strand).Distinct())
                if (VariantWindows.FirstBaseIndex(kept[i].Variant.Ref.Length, model.Length, strand) is { } position)
                    rows.Add((i, strand, position));

        var deltas = new float[rows.Count][];
        var calls = new List<Task>();
        foreach (var group in Enumerable.Range(0, rows.Count).GroupBy(r => rows[r].Position))
            foreach (var chunk in group.Chunk(MutagenesisSequencesPerCall))
                calls.Add(ScanAsync(model, group.Key, [.. chunk.Select(r => Oriented(kept[rows[r].Variant].Windows[m].Ref, rows[r].Strand))], chunk, deltas, cancellationToken));
        await Task.WhenAll(calls).ConfigureAwait(false);

        var rowOf = new Dictionary<(int, char), int>();
        for (var r = 0; r < rows.Count; r++) rowOf[(rows[r].Variant, rows[r].Strand)] = r;
        var values = new IsmValue?[kept.Length][];
        for (var i = 0; i < kept.Length; i++)
        {
            values[i] = new IsmValue?[tasks];
            var variant = kept[i].Variant;
            for (var t = 0; t < tasks; t++)
            {
                var strand = kept[i].Scores[_offsets[m] + t].Strand;
                if (rowOf.TryGetValue((i, strand), out var r)) values[i][t] = Ism(deltas[r], t, variant, strand);
            }
        }
        return values;
    }

    /// <summary>Norm over the 4 bases (the reference's own delta is 0) and, for an SNV, the ALT base's delta on that strand.</summary>
    private static IsmValue Ism(float[] deltas, int task, Variant variant, char strand)
    {
        var sum = 0.0;
        for (var b = 0; b < 4; b++) sum += (double)deltas[task * 4 + b] * deltas[task * 4 + b];
        double? alt = null;
        if (variant.Ref.Length == 1 && variant.Alt.Length == 1 && BaseCode(variant.Alt[0]) is { } code)
            alt = deltas[task * 4 + (strand == '-' ? 3 - code : code)];
        return new IsmValue(Math.Sqrt(sum), alt);
    }

    /// <summary>Channel index in A, C, G, U order (T is U); null for N.</summary>
    private static int? BaseCode(char b) => char.ToUpperInvariant(b) switch
    {
        'A' => 0,
        'C' => 1,
        'G' => 2,
        'T' or 'U' => 3,
        _ => null,
    };

    /// <summary>One Mutagenesis call over <paramref name="sequences"/> at one position; stores each row's raw deltas [columns, 4].</summary>
    private async Task ScanAsync(ScoredModel model, int position, string[] sequences, int[] rows, float[][] deltas, CancellationToken cancellationToken)
    {
        var request = new MutagenesisRequest
        {
            Model = model.Name,
            Version = model.Version,
            Target = RawTarget(model.Tasks[0]),
            WindowStart = position,
            WindowLength = 1,
            Inputs = new SequenceBatch { Sequences = { sequences } },
        };
        bool[] answered;
        await _calls.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            answered = await ReplicaRetry.RunAsync(async ct =>
            {
                var seen = new bool[sequences.Length];
                using var call = _client.Mutagenesis(request, cancellationToken: ct);
                await foreach (var response in call.ResponseStream.ReadAllAsync(ct).ConfigureAwait(false))
                {
                    if (response.Index < 0 || response.Index >= sequences.Length || seen[response.Index])
                        throw new IOException($"Mutagenesis (model {model.Name}): the server answered input {response.Index} of a call with {sequences.Length} inputs, or twice");
                    if (!response.Columns.SequenceEqual(model.Tasks))
                        throw new IOException($"Mutagenesis (model {model.Name}): output columns {string.Join(", ", response.Columns)} differ from the predictions' {string.Join(", ", model.Tasks)}");
                    if (response.WindowStart != position || response.WindowLength != 1 || response.RawDeltas.Count != 4 * model.Tasks.Count)
                        throw new IOException($"Mutagenesis (model {model.Name}): window {response.WindowStart}+{response.WindowLength} with {response.RawDeltas.Count} raw deltas; asked for position {position}, length 1");
                    deltas[rows[response.Index]] = [.. response.RawDeltas];
                    seen[response.Index] = true;
                }
                return seen;
            }, MaxAttempts, cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException e)
        {
            throw new RpcException(new Status(e.StatusCode, $"Mutagenesis (model {model.Name}, --ism): {e.Status.Detail}"));
        }
        finally
        {
            _calls.Release();
        }
        if (answered.Any(a => !a))
            throw new IOException($"Mutagenesis (model {model.Name}): the server answered {answered.Count(a => a)} of {sequences.Length} inputs");
    }

    private static string Oriented(string window, char strand) => strand == '-' ? Nucleotides.ReverseComplement(window) : window;

    public void Dispose() => _calls.Dispose();
}
