namespace RbpPipeline.Interpretation.Gia;

/// <summary>
/// Conditions compiled to what a batch writer needs per row: the (column, base) overrides of each condition,
/// applied in order, and the column window [Lo, Hi) they touch. Built once per experiment, so rows are written
/// with no pattern or string work.
/// </summary>
internal sealed class ConditionTable(int sequenceLength)
{
    private readonly List<int> _starts = [0];
    private readonly List<int> _columns = [];
    private readonly List<byte> _codes = [];
    private readonly List<int> _lo = [];
    private readonly List<int> _hi = [];
    private readonly List<ConditionImportance> _descriptions = [];
    private int _currentLo = int.MaxValue;
    private int _currentHi = int.MinValue;

    public int SequenceLength { get; } = sequenceLength;

    public int Count => _descriptions.Count;

    /// <summary>Labels and metadata of the conditions, with Mean and StandardError still unset.</summary>
    public IReadOnlyList<ConditionImportance> Descriptions => _descriptions;

    /// <summary>Overrides <paramref name="column"/> with base <paramref name="code"/> in the condition being built; N (4) keeps the background.</summary>
    public void Set(int column, byte code)
    {
        if ((uint)column >= (uint)SequenceLength)
            throw new ArgumentOutOfRangeException(nameof(column), $"column {column} of a sequence of length {SequenceLength}");
        if (code >= 4) return;
        _columns.Add(column);
        _codes.Add(code);
        _currentLo = Math.Min(_currentLo, column);
        _currentHi = Math.Max(_currentHi, column + 1);
    }

    /// <summary>Embeds a checked pattern's codes at <paramref name="position"/> in the condition being built.</summary>
    public void Place(ReadOnlySpan<byte> codes, int position)
    {
        for (var i = 0; i < codes.Length; i++) Set(position + i, codes[i]);
    }

    /// <summary>Closes the condition being built.</summary>
    public void End(string label, string? pattern = null, int? position = null, int? value = null)
    {
        _starts.Add(_columns.Count);
        _lo.Add(_currentHi > _currentLo ? _currentLo : 0);
        _hi.Add(_currentHi > _currentLo ? _currentHi : 0);
        _descriptions.Add(new ConditionImportance(label, double.NaN, double.NaN, 0, pattern, position, value));
        _currentLo = int.MaxValue;
        _currentHi = int.MinValue;
    }

    public Compiled Compile()
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
