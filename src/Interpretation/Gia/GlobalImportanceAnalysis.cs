using RbpPipeline.Interpretation.Backgrounds;
using RbpPipeline.Interpretation.Sequences;

namespace RbpPipeline.Interpretation.Gia;

/// <summary>
/// Global importance analysis (Koo et al. 2021): the global importance of a pattern is E_x[f(x with the pattern
/// embedded) − f(x)] over a set of background sequences x, f the prediction target; the per-background
/// differences are the local effects. An instance holds what every experiment shares: the model, the target, the
/// backgrounds and their predictions f(x), computed once. The experiments are one function each, in their own
/// files (<see cref="Embedding"/>, <see cref="KmerScan"/>, <see cref="PositionalScan"/>, <see cref="MutationScan"/>,
/// <see cref="MultipleSites"/>, <see cref="Spacing"/>, <see cref="GcContext"/>, <see cref="HairpinContext"/>): each
/// adds its conditions to a <see cref="ConditionTable"/>, keeping the handle of every condition it will read, has
/// them evaluated here (conditions × backgrounds rows in batches) and reads the means and standard errors back
/// through those handles. Positions are 0-based; a pattern that does not fit the sequence raises an
/// <see cref="ArgumentException"/> naming the pattern, the position and the length.
/// </summary>
public sealed class GlobalImportanceAnalysis
{
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

    /// <summary>An empty table for conditions of this analysis's sequence length.</summary>
    public ConditionTable NewConditions() => new(Backgrounds.Length);

    /// <summary>
    /// Any conditions, each a set of patterns embedded together (see <see cref="ConditionTable.Add(string, PatternPlacement[])"/>);
    /// read each result with its handle.
    /// </summary>
    public Task<GiaResult> RunAsync(ConditionTable conditions, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(conditions);
        if (conditions.SequenceLength != Backgrounds.Length)
            throw new ArgumentException($"the conditions are for sequences of {conditions.SequenceLength}; the backgrounds have length {Backgrounds.Length}");
        if (conditions.Count == 0) throw new ArgumentException("no conditions to evaluate");
        return EvaluateAsync(conditions, Options.KeepLocalEffects, cancellationToken);
    }

    /// <summary>Evaluates every condition of <paramref name="table"/> over the backgrounds: means, standard errors and, if asked, local effects.</summary>
    internal async Task<GiaResult> EvaluateAsync(ConditionTable table, bool keepLocalEffects, CancellationToken cancellationToken)
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
        return new GiaResult(table, conditions, n, baseline.Average(), sums.LocalEffects);
    }

    /// <summary>Parses and checks a pattern against the backgrounds' length.</summary>
    internal CodedPlacement Placement(string pattern, int position) => CodedPlacement.Parse(pattern, position, Backgrounds.Length);

    /// <summary>The codes and canonical text of <paramref name="pattern"/>, checked to fit at <paramref name="position"/> (the message names the canonical text).</summary>
    internal (byte[] Codes, string Text) Checked(string pattern, int position)
    {
        var codes = Patterns.Parse(pattern);
        var text = NucleotideCodes.ToString(codes);
        Patterns.CheckFits(text, codes.Length, position, Backgrounds.Length);
        return (codes, text);
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
