namespace RbpPipeline.Interpretation.Gia;

/// <summary>
/// One condition's global importance: the mean over backgrounds of the local effects f(x with the condition's
/// patterns) − f(x), and its standard error s/√n (s the sample standard deviation, n − 1 in the denominator;
/// NaN for a single background).
/// </summary>
/// <param name="Pattern">The pattern the condition varies, where the experiment has one (k-mer, variant).</param>
/// <param name="Position">The position the condition varies, where it has one.</param>
/// <param name="Value">The experiment's other variable: spacing, copy count.</param>
public sealed record ConditionImportance(string Label, double Mean, double StandardError, int Backgrounds,
    string? Pattern = null, int? Position = null, int? Value = null);

/// <summary>
/// The conditions of one experiment and, when <see cref="GiaOptions.KeepLocalEffects"/> is set, their local
/// effects [conditions × backgrounds] (condition-major, in the order of <see cref="Conditions"/>).
/// </summary>
public sealed class GiaResult
{
    private readonly float[]? _localEffects;

    internal GiaResult(IReadOnlyList<ConditionImportance> conditions, int backgrounds, double backgroundMean, float[]? localEffects)
    {
        Conditions = conditions;
        Backgrounds = backgrounds;
        BackgroundMean = backgroundMean;
        _localEffects = localEffects;
    }

    public IReadOnlyList<ConditionImportance> Conditions { get; }

    public int Backgrounds { get; }

    /// <summary>The mean prediction over the backgrounds, E[f(x)].</summary>
    public double BackgroundMean { get; }

    public bool HasLocalEffects => _localEffects is not null;

    /// <summary>Condition <paramref name="condition"/>'s local effect on each background, in background order.</summary>
    public ReadOnlySpan<float> LocalEffects(int condition)
    {
        if (_localEffects is null)
            throw new InvalidOperationException("local effects were not kept; set GiaOptions.KeepLocalEffects");
        if ((uint)condition >= (uint)Conditions.Count) throw new ArgumentOutOfRangeException(nameof(condition));
        return _localEffects.AsSpan(condition * Backgrounds, Backgrounds);
    }

    internal float[]? AllLocalEffects => _localEffects;

    /// <summary>The same conditions in another order (local effects moved with them).</summary>
    internal GiaResult Reordered(IReadOnlyList<int> order)
    {
        float[]? local = null;
        if (_localEffects is not null)
        {
            local = new float[order.Count * Backgrounds];
            for (var i = 0; i < order.Count; i++)
                _localEffects.AsSpan(order[i] * Backgrounds, Backgrounds).CopyTo(local.AsSpan(i * Backgrounds));
        }
        return new GiaResult([.. order.Select(i => Conditions[i])], Backgrounds, BackgroundMean, local);
    }

    /// <summary>The conditions without their local effects (for experiments that needed them only internally).</summary>
    internal GiaResult WithoutLocalEffects() => new(Conditions, Backgrounds, BackgroundMean, null);
}
