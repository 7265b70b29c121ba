namespace RbpPipeline.Interpretation.Gia;

/// <summary>
/// One condition of an experiment, handed out by <see cref="ConditionTable.Add(string, PatternPlacement[])"/> when the
/// condition is added. The experiment's result is read with it (<see cref="GiaResult.this[ConditionHandle]"/>), not
/// by position, so adding, removing or reordering conditions cannot bind a result to the wrong name. A handle is
/// only accepted by the result of the table that issued it.
/// </summary>
public sealed class ConditionHandle
{
    internal ConditionHandle(ConditionTable table, int index, string label)
    {
        Table = table;
        Index = index;
        Label = label;
    }

    public string Label { get; }

    internal ConditionTable Table { get; }

    /// <summary>Where the condition sits in its table, and so in <see cref="GiaResult.Conditions"/>.</summary>
    internal int Index { get; }

    public override string ToString() => Label;
}
