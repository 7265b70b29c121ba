using RbpPipeline.Contracts.Manifests;

namespace RbpPipeline.Interpretation;

/// <summary>The space a target is scored in: raw outputs (logits, regression scores) or probabilities.</summary>
public enum TargetSpace
{
    /// <summary>Logits of classification tasks, scores of regression tasks.</summary>
    Raw,

    /// <summary>Sigmoid of binary logits, softmax of each multiclass task; regression columns stay raw.</summary>
    Probability,
}

/// <summary>What one raw output column is: a regression score, a binary logit, or one class of a softmax group.</summary>
public readonly record struct OutputColumnKind(TaskType Type, int GroupStart, int GroupSize)
{
    public static IReadOnlyList<OutputColumnKind> For(IReadOnlyList<TaskInfo> tasks)
    {
        var kinds = new List<OutputColumnKind>();
        foreach (var task in tasks)
        {
            var size = task.Type == TaskType.Multiclass ? task.Classes?.Count ?? 0 : 1;
            var start = kinds.Count;
            for (var c = 0; c < size; c++) kinds.Add(new OutputColumnKind(task.Type, start, size));
        }
        return kinds;
    }
}

/// <summary>
/// The scalar every interpretation method explains: Σ_c w_c · g_c(raw), a weighted sum over output columns, each
/// column in <see cref="Space"/> (g the identity, a sigmoid or a softmax component). Attribution needs its
/// derivative with respect to the raw outputs (<see cref="RawWeights"/>): the weights fed to gradient.onnx, whose
/// graph differentiates raw outputs. In probability space those weights depend on the point, so callers must
/// know the raw outputs there first (<see cref="WeightsDependOnPoint"/>).
/// </summary>
public sealed class PredictionTarget
{
    private readonly OutputColumnKind[] _columns;
    private readonly float[] _weights;

    public PredictionTarget(IReadOnlyList<OutputColumnKind> columns, IReadOnlyList<float> columnWeights, TargetSpace space)
    {
        if (columns.Count != columnWeights.Count)
            throw new ArgumentException($"{columnWeights.Count} target weights for {columns.Count} output columns");
        for (var c = 0; c < columnWeights.Count; c++)
            if (!float.IsFinite(columnWeights[c])) throw new ArgumentException($"target weight of output column {c} is {columnWeights[c]}; expected a finite number");
        if (columnWeights.All(w => w == 0)) throw new ArgumentException("every target weight is 0: the target would explain nothing");
        _columns = [.. columns];
        _weights = [.. columnWeights];
        Space = space;
        WeightsDependOnPoint = space == TargetSpace.Probability &&
            _columns.Where((kind, c) => kind.Type != TaskType.Regression && HasWeightInGroup(c)).Any();
    }

    public TargetSpace Space { get; }

    public int Columns => _columns.Length;

    public IReadOnlyList<float> ColumnWeights => _weights;

    /// <summary>True when <see cref="RawWeights"/> depends on the raw outputs (probability space on a classification column).</summary>
    public bool WeightsDependOnPoint { get; }

    /// <summary>
    /// A target over a model's tasks by name: each entry of <paramref name="weights"/> names a task (all its columns
    /// for a binary or regression task) or one class column as "task/class". No entries: the model's only column,
    /// or every column of its only task (an error lists the choices when there are several).
    /// </summary>
    public static PredictionTarget ForTasks(IReadOnlyList<TaskInfo> tasks, IReadOnlyDictionary<string, float> weights, TargetSpace space)
    {
        var kinds = OutputColumnKind.For(tasks);
        var names = ColumnNames(tasks);
        var columnWeights = new float[kinds.Count];
        if (weights.Count == 0)
        {
            if (tasks.Count != 1 || tasks[0].Type == TaskType.Multiclass)
                throw new ArgumentException($"the model has {names.Count} output columns; choose the target among: {string.Join(", ", names)}");
            columnWeights[0] = 1;
            return new PredictionTarget(kinds, columnWeights, space);
        }
        foreach (var (name, weight) in weights)
        {
            var column = names.IndexOf(name);
            if (column < 0)
                throw new ArgumentException($"target '{name}' is not an output of the model; choose among: {string.Join(", ", names)}");
            columnWeights[column] = weight;
        }
        return new PredictionTarget(kinds, columnWeights, space);
    }

    /// <summary>Output column names: the task name, or "task/class" for each class of a multiclass task.</summary>
    public static List<string> ColumnNames(IReadOnlyList<TaskInfo> tasks) =>
        [.. tasks.SelectMany(t => t.Type == TaskType.Multiclass ? t.Classes!.Select(c => $"{t.Name}/{c}") : [t.Name])];

    /// <summary>The target's value for one row of raw outputs.</summary>
    public double Score(ReadOnlySpan<float> raw)
    {
        CheckRow(raw.Length);
        var sum = 0.0;
        for (var c = 0; c < _columns.Length; c++)
            if (_weights[c] != 0) sum += _weights[c] * Transformed(raw, c);
        return sum;
    }

    /// <summary>The target's value for each of <paramref name="rows"/> rows of raw outputs [rows, columns].</summary>
    public double[] Scores(ReadOnlySpan<float> raw, int rows)
    {
        if (raw.Length != rows * _columns.Length)
            throw new ArgumentException($"{raw.Length} raw outputs for {rows} rows of {_columns.Length} columns");
        var scores = new double[rows];
        for (var r = 0; r < rows; r++) scores[r] = Score(raw.Slice(r * _columns.Length, _columns.Length));
        return scores;
    }

    /// <summary>∂Score/∂raw_c at one row of raw outputs (ignored when <see cref="WeightsDependOnPoint"/> is false).</summary>
    public void RawWeights(ReadOnlySpan<float> raw, Span<float> destination)
    {
        if (destination.Length != _columns.Length)
            throw new ArgumentException($"{destination.Length} weight slots for {_columns.Length} output columns");
        if (!WeightsDependOnPoint)
        {
            _weights.CopyTo(destination);
            return;
        }
        CheckRow(raw.Length);
        for (var c = 0; c < _columns.Length; c++)
        {
            var kind = _columns[c];
            switch (kind.Type)
            {
                case TaskType.Regression:
                    destination[c] = _weights[c];
                    break;
                case TaskType.Binary:
                    var s = Sigmoid(raw[c]);
                    destination[c] = (float)(_weights[c] * s * (1 - s));
                    break;
                default:
                    // ∂(Σ_k w_k p_k)/∂z_j = p_j (w_j − Σ_k w_k p_k) within the softmax group.
                    var mean = 0.0;
                    for (var k = 0; k < kind.GroupSize; k++)
                        mean += _weights[kind.GroupStart + k] * Softmax(raw, kind, kind.GroupStart + k);
                    destination[c] = (float)(Softmax(raw, kind, c) * (_weights[c] - mean));
                    break;
            }
        }
    }

    /// <summary>Raw weights for <paramref name="rows"/> rows [rows, columns]; <paramref name="raw"/> may be empty when the weights do not depend on the point.</summary>
    public float[] RawWeights(ReadOnlySpan<float> raw, int rows)
    {
        var weights = new float[rows * _columns.Length];
        for (var r = 0; r < rows; r++)
            RawWeights(WeightsDependOnPoint ? raw.Slice(r * _columns.Length, _columns.Length) : default,
                weights.AsSpan(r * _columns.Length, _columns.Length));
        return weights;
    }

    private double Transformed(ReadOnlySpan<float> raw, int c)
    {
        if (Space == TargetSpace.Raw) return raw[c];
        var kind = _columns[c];
        return kind.Type switch
        {
            TaskType.Regression => raw[c],
            TaskType.Binary => Sigmoid(raw[c]),
            _ => Softmax(raw, kind, c),
        };
    }

    private bool HasWeightInGroup(int column)
    {
        var kind = _columns[column];
        for (var k = 0; k < kind.GroupSize; k++) if (_weights[kind.GroupStart + k] != 0) return true;
        return false;
    }

    private void CheckRow(int length)
    {
        if (length != _columns.Length) throw new ArgumentException($"a row of {length} raw outputs; the model has {_columns.Length} columns");
    }

    private static double Sigmoid(float z) => 1.0 / (1.0 + Math.Exp(-z));

    private static double Softmax(ReadOnlySpan<float> raw, OutputColumnKind kind, int column)
    {
        var max = double.NegativeInfinity;
        for (var k = 0; k < kind.GroupSize; k++) max = Math.Max(max, raw[kind.GroupStart + k]);
        var sum = 0.0;
        for (var k = 0; k < kind.GroupSize; k++) sum += Math.Exp(raw[kind.GroupStart + k] - max);
        return Math.Exp(raw[column] - max) / sum;
    }
}
