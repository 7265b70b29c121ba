namespace RbpPipeline.Interpretation.Gia;

/// <summary>
/// The conditions of one experiment and, when <see cref="GiaOptions.KeepLocalEffects"/> is set, their local
/// effects [conditions × backgrounds] (condition-major, in the order of <see cref="Conditions"/>). A condition is
/// read by the <see cref="ConditionHandle"/> its table handed out; <see cref="Conditions"/> lists them all, each
/// carrying its own label, for output in table order.
/// </summary>
public sealed class GiaResult
{
    private readonly float[]? _localEffects;

    /// <summary>The table whose handles this result accepts; null once reordered (handles no longer apply).</summary>
    private readonly ConditionTable? _table;

    internal GiaResult(ConditionTable? table, IReadOnlyList<ConditionImportance> conditions, int backgrounds, double backgroundMean,
        float[]? localEffects)
    {
        _table = table;
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

    /// <summary>The global importance of the condition <paramref name="condition"/> stands for.</summary>
    /// <exception cref="ArgumentException">The handle was issued by another experiment's table.</exception>
    public ConditionImportance this[ConditionHandle condition] => Conditions[IndexOf(condition)];

    /// <summary>The local effects of the condition <paramref name="condition"/> stands for, in background order.</summary>
    public ReadOnlySpan<float> LocalEffects(ConditionHandle condition) => LocalEffects(IndexOf(condition));

    /// <summary>Condition <paramref name="condition"/>'s local effect on each background, in background order.</summary>
    public ReadOnlySpan<float> LocalEffects(int condition)
    {
        if (_localEffects is null)
            throw new InvalidOperationException("local effects were not kept; set GiaOptions.KeepLocalEffects");
        if ((uint)condition >= (uint)Conditions.Count) throw new ArgumentOutOfRangeException(nameof(condition));
        return _localEffects.AsSpan(condition * Backgrounds, Backgrounds);
    }

    /// <summary>The same conditions in another order (local effects moved with them); handles no longer apply.</summary>
    internal GiaResult Reordered(IReadOnlyList<int> order)
    {
        float[]? local = null;
        if (_localEffects is not null)
        {
            local = new float[order.Count * Backgrounds];
            for (var i = 0; i < order.Count; i++)
                _localEffects.AsSpan(order[i] * Backgrounds, Backgrounds).CopyTo(local.AsSpan(i * Backgrounds));
        }
        return new GiaResult(null, [.. order.Select(i => Conditions[i])], Backgrounds, BackgroundMean, local);
    }

    /// <summary>The conditions without their local effects (for experiments that needed them only internally).</summary>
    internal GiaResult WithoutLocalEffects() => new(_table, Conditions, Backgrounds, BackgroundMean, null);

    private int IndexOf(ConditionHandle condition)
    {
        ArgumentNullException.ThrowIfNull(condition);
        if (_table is null || !ReferenceEquals(condition.Table, _table))
            throw new ArgumentException($"condition '{condition.Label}' belongs to another experiment's table", nameof(condition));
        return condition.Index;
    }
}
