using RbpPipeline.Interpretation.Backgrounds;
using RbpPipeline.Interpretation.Sequences;

namespace RbpPipeline.Interpretation.Gia;

/// <summary>
/// Global importance analysis (Koo et al. 2021): the global importance of a pattern is E_x[f(x with the pattern
/// embedded) − f(x)] over a set of background sequences x, f the prediction target; the per-background
/// differences are the local effects. Each experiment builds its conditions, evaluates conditions × backgrounds
/// rows in batches and reports each condition's mean and standard error. The background predictions f(x) are
/// computed once and shared by every experiment of an instance. Positions are 0-based; a pattern that does not
/// fit the sequence raises an <see cref="ArgumentException"/> naming the pattern, the position and the length.
/// </summary>
public sealed class GlobalImportanceAnalysis
{
    /// <summary>The longest k of a k-mer scan: 4^6 = 4,096 conditions.</summary>
    public const int MaxK = 6;

    private readonly GiaEngine _engine;
    private readonly SemaphoreSlim _baselineLock = new(1, 1);
    private double[]? _baseline;

    public GlobalImportanceAnalysis(IModelEvaluator evaluator, PredictionTarget target, BackgroundSet backgrounds, GiaOptions? options = null)
    {
        if (backgrounds.Count == 0) throw new ArgumentException("no backgrounds");
        backgrounds.CheckFits(evaluator);
        if (target.Columns != evaluator.OutputColumns)
            throw new ArgumentException($"the target has {target.Columns} columns; the model has {evaluator.OutputColumns} output columns");
        Evaluator = evaluator;
        Target = target;
        Backgrounds = backgrounds;
        Options = options ?? new GiaOptions();
        _engine = new GiaEngine(evaluator, target, backgrounds, Options);
    }

    public IModelEvaluator Evaluator { get; }

    public PredictionTarget Target { get; }

    public BackgroundSet Backgrounds { get; }

    public GiaOptions Options { get; }

    /// <summary>f(x) for every background (computed on first use, then cached).</summary>
    public async Task<IReadOnlyList<double>> BackgroundScoresAsync(CancellationToken cancellationToken) =>
        await BaselineAsync(cancellationToken).ConfigureAwait(false);

    /// <summary>Any list of conditions, each a set of patterns embedded together.</summary>
    public async Task<GiaResult> RunAsync(IReadOnlyList<GiaCondition> conditions, CancellationToken cancellationToken)
    {
        var table = NewTable();
        foreach (var condition in conditions)
        {
            foreach (var placement in condition.Placements) Place(table, placement.Pattern, placement.Position);
            table.End(condition.Label,
                condition.Placements.Count == 1 ? Patterns.Normalize(condition.Placements[0].Pattern) : null,
                condition.Placements.Count == 1 ? condition.Placements[0].Position : null);
        }
        return await EvaluateAsync(table, Options.KeepLocalEffects, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One or more patterns embedded together: a single condition.</summary>
    public async Task<GiaResult> EmbedAsync(IReadOnlyList<PatternPlacement> patterns, CancellationToken cancellationToken)
    {
        if (patterns.Count == 0) throw new ArgumentException("no patterns to embed");
        var label = string.Join(" + ", patterns.Select(p => $"{Patterns.Normalize(p.Pattern)}@{p.Position}"));
        return await RunAsync([new GiaCondition(label, patterns)], cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Every k-mer (k ≤ <see cref="MaxK"/>) embedded at <paramref name="position"/>, ranked by global importance.
    /// 4^k × backgrounds rows; conditions are built from base-4 indices, so no per-row string work is done.
    /// </summary>
    public async Task<KmerScanResult> KmerScanAsync(int k, int position, CancellationToken cancellationToken)
    {
        if (k is < 1 or > MaxK) throw new ArgumentOutOfRangeException(nameof(k), $"k = {k}; k-mer scans take 1 ≤ k ≤ {MaxK}");
        Patterns.CheckFits($"{k}-mers", k, position, Backgrounds.Length);
        var table = NewTable();
        var kmer = new byte[k];
        for (var index = 0; index < 1 << (2 * k); index++)
        {
            for (var j = 0; j < k; j++) kmer[j] = (byte)((index >> (2 * (k - 1 - j))) & 3);
            table.Place(kmer, position);
            var text = NucleotideCodes.ToString(kmer);
            table.End($"{text}@{position}", text, position);
        }
        var result = await EvaluateAsync(table, Options.KeepLocalEffects, cancellationToken).ConfigureAwait(false);
        // Best first; ties keep lexicographic order so rankings are reproducible.
        var order = Enumerable.Range(0, result.Conditions.Count).OrderByDescending(i => result.Conditions[i].Mean).ToArray();
        return new KmerScanResult(k, position, result.Reordered(order));
    }

    /// <summary>
    /// Each pattern at each position of <paramref name="positions"/> (default: every start where the longest
    /// pattern fits): positional bias curves.
    /// </summary>
    public async Task<PositionalScanResult> PositionalScanAsync(IReadOnlyList<string> patterns, IReadOnlyList<int>? positions,
        CancellationToken cancellationToken)
    {
        if (patterns.Count == 0) throw new ArgumentException("no patterns to scan");
        var normalized = patterns.Select(Patterns.Normalize).ToArray();
        var longest = normalized.Max(p => p.Length);
        if (longest > Backgrounds.Length)
            throw new ArgumentException($"pattern '{normalized.First(p => p.Length == longest)}' is longer than the model's sequence length {Backgrounds.Length}");
        IReadOnlyList<int> at = positions ?? [.. Enumerable.Range(0, Backgrounds.Length - longest + 1)];
        var table = NewTable();
        foreach (var pattern in normalized)
            foreach (var position in at)
            {
                Place(table, pattern, position);
                table.End($"{pattern}@{position}", pattern, position);
            }
        var result = await EvaluateAsync(table, Options.KeepLocalEffects, cancellationToken).ConfigureAwait(false);
        return new PositionalScanResult(normalized, at, result);
    }

    /// <summary>The <paramref name="top"/> best k-mers of a scan, each across positions.</summary>
    public Task<PositionalScanResult> PositionalScanAsync(KmerScanResult scan, int top, IReadOnlyList<int>? positions,
        CancellationToken cancellationToken) =>
        PositionalScanAsync([.. scan.Top(top).Select(t => t.Kmer)], positions, cancellationToken);

    /// <summary>Every single-nucleotide variant of <paramref name="pattern"/> at <paramref name="position"/>, relative to the pattern.</summary>
    public async Task<MutationScanResult> MutationScanAsync(string pattern, int position, CancellationToken cancellationToken)
    {
        var codes = Patterns.Parse(pattern);
        var text = NucleotideCodes.ToString(codes);
        Patterns.CheckFits(text, codes.Length, position, Backgrounds.Length);
        var table = NewTable();
        table.Place(codes, position);
        table.End($"{text}@{position}", text, position);
        var variantOf = new int[4, codes.Length];
        var variant = (byte[])codes.Clone();
        for (var j = 0; j < codes.Length; j++)
        {
            for (byte b = 0; b < 4; b++)
            {
                variantOf[b, j] = -1;
                if (b == codes[j]) continue;
                variant[j] = b;
                variantOf[b, j] = table.Count;
                var variantText = NucleotideCodes.ToString(variant);
                table.Place(variant, position);
                table.End($"{variantText}@{position}", variantText, position, j);
            }
            variant[j] = codes[j];
        }
        // The paired differences need every local effect; a few × length conditions, so always affordable.
        var result = await EvaluateAsync(table, keepLocalEffects: true, cancellationToken).ConfigureAwait(false);
        var n = result.Backgrounds;
        var delta = new double[4][];
        var errors = new double[4][];
        var reference = result.LocalEffects(0);
        for (var b = 0; b < 4; b++)
        {
            delta[b] = new double[codes.Length];
            errors[b] = new double[codes.Length];
            for (var j = 0; j < codes.Length; j++)
            {
                if (variantOf[b, j] < 0) continue;
                var effects = result.LocalEffects(variantOf[b, j]);
                double sum = 0, squares = 0;
                for (var x = 0; x < n; x++)
                {
                    var d = (double)effects[x] - reference[x];
                    sum += d;
                    squares += d * d;
                }
                delta[b][j] = result.Conditions[variantOf[b, j]].Mean - result.Conditions[0].Mean;
                errors[b][j] = GiaEngine.Summarize(sum, squares, n).StandardError;
            }
        }
        return new MutationScanResult(text, position, result.Conditions[0], delta, errors,
            Options.KeepLocalEffects ? result : result.WithoutLocalEffects());
    }

    /// <summary>
    /// 1..n copies of <paramref name="pattern"/>: copy i at <paramref name="positions"/>[i], cumulatively (count c
    /// embeds copies 1..c), each count against the additive expectation c × GI(one copy).
    /// </summary>
    public async Task<MultipleSitesResult> MultipleSitesAsync(string pattern, IReadOnlyList<int> positions, CancellationToken cancellationToken)
    {
        if (positions.Count == 0) throw new ArgumentException("no positions for the copies");
        var codes = Patterns.Parse(pattern);
        var text = NucleotideCodes.ToString(codes);
        foreach (var position in positions) Patterns.CheckFits(text, codes.Length, position, Backgrounds.Length);
        var table = NewTable();
        for (var copies = 1; copies <= positions.Count; copies++)
        {
            for (var i = 0; i < copies; i++) table.Place(codes, positions[i]);
            table.End($"{text} x{copies} @{string.Join(",", positions.Take(copies))}", text, positions[copies - 1], copies);
        }
        var result = await EvaluateAsync(table, Options.KeepLocalEffects, cancellationToken).ConfigureAwait(false);
        var single = result.Conditions[0].Mean;
        var points = result.Conditions.Select((c, i) => new MultipleSitesPoint(i + 1, c, (i + 1) * single)).ToArray();
        return new MultipleSitesResult(text, positions, points, result);
    }

    /// <summary>
    /// <paramref name="first"/> at <paramref name="firstPosition"/> and <paramref name="second"/> starting
    /// <paramref name="spacings"/>[i] bases after the first one's end (0: adjacent; negative: overlapping, the
    /// second overwrites). Each spacing also gets the second pattern alone, for the interaction term.
    /// </summary>
    public async Task<SpacingResult> SpacingAsync(string first, int firstPosition, string second, IReadOnlyList<int> spacings,
        CancellationToken cancellationToken)
    {
        if (spacings.Count == 0) throw new ArgumentException("no spacings");
        var firstCodes = Patterns.Parse(first);
        var secondCodes = Patterns.Parse(second);
        var firstText = NucleotideCodes.ToString(firstCodes);
        var secondText = NucleotideCodes.ToString(secondCodes);
        Patterns.CheckFits(firstText, firstCodes.Length, firstPosition, Backgrounds.Length);
        var table = NewTable();
        table.Place(firstCodes, firstPosition);
        table.End($"{firstText}@{firstPosition}", firstText, firstPosition);
        foreach (var spacing in spacings)
        {
            var secondPosition = firstPosition + firstCodes.Length + spacing;
            Patterns.CheckFits(secondText, secondCodes.Length, secondPosition, Backgrounds.Length);
            table.Place(firstCodes, firstPosition);
            table.Place(secondCodes, secondPosition);
            table.End($"{firstText}@{firstPosition} + {secondText}@{secondPosition} (spacing {spacing})", secondText, secondPosition, spacing);
            table.Place(secondCodes, secondPosition);
            table.End($"{secondText}@{secondPosition}", secondText, secondPosition, spacing);
        }
        var result = await EvaluateAsync(table, Options.KeepLocalEffects, cancellationToken).ConfigureAwait(false);
        var firstAlone = result.Conditions[0];
        var points = spacings.Select((spacing, i) =>
        {
            var both = result.Conditions[1 + 2 * i];
            var alone = result.Conditions[2 + 2 * i];
            return new SpacingPoint(spacing, alone.Position!.Value, both, alone, both.Mean - firstAlone.Mean - alone.Mean);
        }).ToArray();
        return new SpacingResult(firstAlone, points, result);
    }

    /// <summary>
    /// <paramref name="pattern"/> at <paramref name="position"/> alone, with a GC block of
    /// <paramref name="blockLength"/> immediately 5′ of it, and immediately 3′ of it; plus each block alone.
    /// </summary>
    public async Task<GcContextResult> GcContextAsync(string pattern, int position, int blockLength, GcBlockStyle style,
        CancellationToken cancellationToken)
    {
        if (blockLength < 1) throw new ArgumentOutOfRangeException(nameof(blockLength), $"a GC block of length {blockLength}");
        var codes = Patterns.Parse(pattern);
        var text = NucleotideCodes.ToString(codes);
        Patterns.CheckFits(text, codes.Length, position, Backgrounds.Length);
        var random = new Random(Options.Seed);
        var block = new byte[blockLength];
        for (var i = 0; i < blockLength; i++)
            block[i] = style == GcBlockStyle.Alternating ? (i % 2 == 0 ? (byte)2 : (byte)1) : random.Next(2) == 0 ? (byte)2 : (byte)1;
        var blockText = NucleotideCodes.ToString(block);
        var fivePrime = position - blockLength;
        var threePrime = position + codes.Length;
        if (fivePrime < 0 || threePrime + blockLength > Backgrounds.Length)
            throw new ArgumentException(
                $"pattern '{text}' at position {position} with GC blocks of {blockLength} on both sides needs positions {fivePrime}..{threePrime + blockLength - 1}, outside the model's sequence length {Backgrounds.Length}");
        var table = NewTable();
        table.Place(codes, position);
        table.End($"{text}@{position}", text, position);
        table.Place(block, fivePrime);
        table.Place(codes, position);
        table.End($"{blockText}@{fivePrime} + {text}@{position}", text, position);
        table.Place(block, fivePrime);
        table.End($"{blockText}@{fivePrime}", blockText, fivePrime);
        table.Place(codes, position);
        table.Place(block, threePrime);
        table.End($"{text}@{position} + {blockText}@{threePrime}", text, position);
        table.Place(block, threePrime);
        table.End($"{blockText}@{threePrime}", blockText, threePrime);
        var result = await EvaluateAsync(table, Options.KeepLocalEffects, cancellationToken).ConfigureAwait(false);
        var c = result.Conditions;
        return new GcContextResult(blockText, c[0], c[1], c[2], c[3], c[4], result);
    }

    /// <summary>
    /// <paramref name="pattern"/> in the loop of a designed hairpin (stem arms of <paramref name="stemLength"/>,
    /// loop of <paramref name="loopLength"/> ≥ the pattern, centred on <paramref name="position"/>) and in the
    /// hairpin's 5′ arm (3′ arm kept complementary), against the pattern at the same two positions in unstructured
    /// backgrounds; the hairpin alone too. The 5′ arm's bases are random, from <see cref="GiaOptions.Seed"/>.
    /// </summary>
    public async Task<HairpinContextResult> HairpinContextAsync(string pattern, int position, int stemLength, int loopLength,
        CancellationToken cancellationToken)
    {
        var text = Patterns.Normalize(pattern);
        var layout = HairpinLayout.Around(text, position, stemLength, loopLength, Backgrounds.Length, new Random(Options.Seed));
        var table = NewTable();
        Place(table, layout.DesignWithPatternInLoop(text), layout.Start);
        table.End($"hairpin@{layout.Start} with {text}@{layout.LoopPatternPosition} in the loop", text, layout.LoopPatternPosition);
        Place(table, layout.DesignWithPatternInStem(text), layout.Start);
        table.End($"hairpin@{layout.Start} with {text}@{layout.StemPatternPosition} in the 5' arm", text, layout.StemPatternPosition);
        Place(table, text, layout.LoopPatternPosition);
        table.End($"{text}@{layout.LoopPatternPosition}", text, layout.LoopPatternPosition);
        Place(table, text, layout.StemPatternPosition);
        table.End($"{text}@{layout.StemPatternPosition}", text, layout.StemPatternPosition);
        Place(table, layout.Design(), layout.Start);
        table.End($"hairpin@{layout.Start}", null, layout.Start);
        var result = await EvaluateAsync(table, Options.KeepLocalEffects, cancellationToken).ConfigureAwait(false);
        var c = result.Conditions;
        return new HairpinContextResult(layout, c[0], c[1], c[2], c[3], c[4], result);
    }

    private ConditionTable NewTable() => new(Backgrounds.Length);

    private void Place(ConditionTable table, string pattern, int position)
    {
        var codes = Patterns.Parse(pattern);
        Patterns.CheckFits(pattern, codes.Length, position, Backgrounds.Length);
        table.Place(codes, position);
    }

    private async Task<GiaResult> EvaluateAsync(ConditionTable table, bool keepLocalEffects, CancellationToken cancellationToken)
    {
        var baseline = await BaselineAsync(cancellationToken).ConfigureAwait(false);
        var sums = await _engine.RunAsync(table, baseline, keepLocalEffects, cancellationToken).ConfigureAwait(false);
        var n = Backgrounds.Count;
        var conditions = new ConditionImportance[table.Count];
        for (var c = 0; c < conditions.Length; c++)
        {
            var (mean, error) = GiaEngine.Summarize(sums.Sum[c], sums.SumOfSquares[c], n);
            conditions[c] = table.Descriptions[c] with { Mean = mean, StandardError = error, Backgrounds = n };
        }
        return new GiaResult(conditions, n, baseline.Average(), sums.LocalEffects);
    }

    private async Task<double[]> BaselineAsync(CancellationToken cancellationToken)
    {
        if (_baseline is { } ready) return ready;
        await _baselineLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return _baseline ??= await Backgrounds.ScoreAsync(Evaluator, Target, Options.BatchSize ?? Evaluator.PreferredBatchSize, cancellationToken)
                .ConfigureAwait(false);
        }
        finally
        {
            _baselineLock.Release();
        }
    }
}
