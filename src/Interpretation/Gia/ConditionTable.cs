namespace RbpPipeline.Interpretation.Gia;

/// <summary>
/// The conditions of one experiment, each added in one call that returns its <see cref="ConditionHandle"/>. Kept
/// compiled to what a batch writer needs per row: the (column, base) overrides of each condition, applied in order,
/// and the column window [Lo, Hi) they touch, so rows are written with no pattern or string work.
/// </summary>
public sealed class ConditionTable
{
    private readonly List<int> _starts = [0];
    private readonly List<int> _columns = [];
    private readonly List<byte> _codes = [];
    private readonly List<int> _lo = [];
    private readonly List<int> _hi = [];
    private readonly List<ConditionImportance> _descriptions = [];

    /// <param name="sequenceLength">The backgrounds' length (<see cref="GlobalImportanceAnalysis.NewConditions"/> passes it).</param>
    public ConditionTable(int sequenceLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sequenceLength);
        SequenceLength = sequenceLength;
    }

    public int SequenceLength { get; }

    public int Count => _descriptions.Count;

    /// <summary>Labels and metadata of the conditions, in table order, with Mean and StandardError still unset.</summary>
    internal IReadOnlyList<ConditionImportance> Descriptions => _descriptions;

    /// <summary>
    /// A condition embedding <paramref name="placements"/> together (later ones overwrite earlier ones where they
    /// overlap; N keeps the background base). With a single placement the result reports its pattern and position.
    /// </summary>
    /// <exception cref="ArgumentException">No placements, or a pattern with a bad letter or one that does not fit (named).</exception>
    public ConditionHandle Add(string label, params PatternPlacement[] placements)
    {
        ArgumentNullException.ThrowIfNull(label);
        if (placements.Length == 0) throw new ArgumentException($"condition '{label}' embeds no patterns", nameof(placements));
        var coded = new CodedPlacement[placements.Length];
        for (var i = 0; i < placements.Length; i++) coded[i] = CodedPlacement.Parse(placements[i].Pattern, placements[i].Position, SequenceLength);
        var single = placements.Length == 1;
        return Add(label, single ? Patterns.Normalize(placements[0].Pattern) : null, single ? placements[0].Position : null, null, coded);
    }

    /// <summary>A condition of already checked placements, with the metadata the experiment reports.</summary>
    /// <param name="pattern">The pattern the condition varies, where the experiment has one.</param>
    /// <param name="position">The position the condition varies.</param>
    /// <param name="value">The experiment's other variable (spacing, copy count, mutated column).</param>
    internal ConditionHandle Add(string label, string? pattern, int? position, int? value, params ReadOnlySpan<CodedPlacement> placements)
    {
        int lo = int.MaxValue, hi = int.MinValue;
        foreach (var placement in placements)
            for (var i = 0; i < placement.Codes.Length; i++)
            {
                var column = placement.Position + i;
                if ((uint)column >= (uint)SequenceLength)
                    throw new ArgumentOutOfRangeException(nameof(placements), $"column {column} of a sequence of length {SequenceLength}");
                var code = placement.Codes[i];
                if (code >= 4) continue;
                _columns.Add(column);
                _codes.Add(code);
                lo = Math.Min(lo, column);
                hi = Math.Max(hi, column + 1);
            }
        _starts.Add(_columns.Count);
        _lo.Add(hi > lo ? lo : 0);
        _hi.Add(hi > lo ? hi : 0);
        _descriptions.Add(new ConditionImportance(label, double.NaN, double.NaN, 0, pattern, position, value));
        return new ConditionHandle(this, _descriptions.Count - 1, label);
    }

    internal Compiled Compile()
    {
        // A condition is dense when its overrides cover every column of its window: writing it then replaces
        // whatever a previous condition left inside that window, so no restore is needed there.
        var dense = new bool[Count];
        var covered = new HashSet<int>();
        for (var c = 0; c < Count; c++)
        {
            covered.Clear();
            for (var e = _starts[c]; e < _starts[c + 1]; e++) covered.Add(_columns[e]);
            dense[c] = covered.Count == _hi[c] - _lo[c];
        }
        return new([.. _starts], [.. _columns], [.. _codes], [.. _lo], [.. _hi], dense);
    }

    internal sealed record Compiled(int[] Starts, int[] Columns, byte[] Codes, int[] Lo, int[] Hi, bool[] Dense);
}
