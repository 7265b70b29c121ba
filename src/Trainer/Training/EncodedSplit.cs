using RbpPipeline.Contracts.Labels;
using RbpPipeline.Contracts.Manifests;
using RbpPipeline.Contracts.SequenceEncoding;
using RbpPipeline.Trainer.Data;
using static TorchSharp.torch;

namespace RbpPipeline.Trainer.Training;

/// <summary>
/// One part of a data set (train, validation or test) encoded once by the Contracts <see cref="InputEncoder"/> into
/// [N, C, L] float arrays (one per model input) plus labels [N, tasks]. Minibatches are copied out of these arrays
/// into fresh tensors, so the arrays are never touched by libtorch.
/// </summary>
public sealed class EncodedSplit
{
    private EncodedSplit(string name, IReadOnlyList<EncodedTensor> inputs, float[] rawLabels, float[] labels, int count, int labelColumns)
    {
        Name = name;
        Inputs = inputs;
        RawLabels = rawLabels;
        Labels = labels;
        Count = count;
        LabelColumns = labelColumns;
    }

    /// <summary>"train", "validation" or "test".</summary>
    public string Name { get; }

    /// <summary>The encoded inputs in the encoding's order: <c>sequence</c>, then each track.</summary>
    public IReadOnlyList<EncodedTensor> Inputs { get; }

    /// <summary>[N, label columns], as read (NaN = missing).</summary>
    public float[] RawLabels { get; }

    /// <summary>[N, label columns] after each task's label transform: what the loss sees.</summary>
    public float[] Labels { get; }

    public int Count { get; }

    /// <summary>One per task (a multiclass task has one column holding the class index).</summary>
    public int LabelColumns { get; }

    /// <summary>
    /// Encodes <paramref name="records"/>; each record must have one label per task. Labels are transformed by the
    /// tasks' fitted label transforms (fit them on the training split first: <see cref="FitLabelTransforms"/>).
    /// </summary>
    public static EncodedSplit Encode(string name, IReadOnlyList<SequenceRecord> records, InputEncoder encoder, IReadOnlyList<TaskInfo> tasks)
    {
        ArgumentNullException.ThrowIfNull(records);
        ArgumentNullException.ThrowIfNull(encoder);
        ArgumentNullException.ThrowIfNull(tasks);
        var inputRecords = new InputRecord[records.Count];
        var raw = new float[records.Count * tasks.Count];
        for (var i = 0; i < records.Count; i++)
        {
            var record = records[i];
            if (record.Labels.Count != tasks.Count)
                throw new ArgumentException(
                    $"{name} record {i} (id '{record.Id}') has {record.Labels.Count} label(s); the model has {tasks.Count} task(s) ({string.Join(", ", tasks.Select(t => t.Name))})");
            inputRecords[i] = record.ToInputRecord(encoder.Spec);
            for (var t = 0; t < tasks.Count; t++) raw[i * tasks.Count + t] = (float)record.Labels[t];
        }
        var inputs = encoder.Encode(inputRecords);
        var labels = (float[])raw.Clone();
        for (var t = 0; t < tasks.Count; t++)
        {
            var chain = tasks[t].LabelTransform;
            if (chain.Steps.Count == 0) continue;
            for (var i = 0; i < records.Count; i++)
            {
                ref var value = ref labels[i * tasks.Count + t];
                value = (float)chain.Apply(value);
            }
        }
        CheckClassificationLabels(name, records, tasks, raw);
        return new EncodedSplit(name, inputs, raw, labels, records.Count, tasks.Count);
    }

    /// <summary>
    /// Fits each regression task's label transform on the training labels (missing labels left out); classification
    /// tasks keep the identity.
    /// </summary>
    public static IReadOnlyList<TaskInfo> FitLabelTransforms(IReadOnlyList<TaskInfo> tasks, IReadOnlyList<LabelTransformSpec> specs,
        IReadOnlyList<SequenceRecord> training)
    {
        if (specs.Count == 0) return tasks;
        return
        [
            .. tasks.Select((task, t) => task.Type != TaskType.Regression
                ? task
                : task with { LabelTransform = LabelTransformChain.Fit(specs, training.Select(r => r.Labels[t])) }),
        ];
    }

    /// <summary>The inputs of the records at <paramref name="indices"/>, as new tensors [batch, C, L].</summary>
    public Tensor[] InputBatch(ReadOnlySpan<int> indices)
    {
        var result = new Tensor[Inputs.Count];
        for (var k = 0; k < Inputs.Count; k++)
        {
            var input = Inputs[k];
            var size = input.ChannelNames.Count * input.Length;
            var buffer = new float[indices.Length * size];
            for (var b = 0; b < indices.Length; b++)
                input.Data.AsSpan(indices[b] * size, size).CopyTo(buffer.AsSpan(b * size, size));
            result[k] = tensor(buffer, [indices.Length, input.ChannelNames.Count, input.Length]);
        }
        return result;
    }

    /// <summary>The transformed labels of the records at <paramref name="indices"/> as a tensor [batch, label columns].</summary>
    public Tensor LabelBatch(ReadOnlySpan<int> indices)
    {
        var buffer = new float[indices.Length * LabelColumns];
        for (var b = 0; b < indices.Length; b++)
            Labels.AsSpan(indices[b] * LabelColumns, LabelColumns).CopyTo(buffer.AsSpan(b * LabelColumns, LabelColumns));
        return tensor(buffer, [indices.Length, LabelColumns]);
    }

    /// <summary>Positives and negatives per label column among the non-missing labels (binary tasks).</summary>
    public (long Positives, long Negatives)[] ClassCounts()
    {
        var counts = new (long, long)[LabelColumns];
        for (var i = 0; i < Count; i++)
            for (var t = 0; t < LabelColumns; t++)
            {
                var y = RawLabels[i * LabelColumns + t];
                if (float.IsNaN(y)) continue;
                if (y > 0.5f) counts[t].Item1++;
                else counts[t].Item2++;
            }
        return counts;
    }

    private static void CheckClassificationLabels(string name, IReadOnlyList<SequenceRecord> records, IReadOnlyList<TaskInfo> tasks, float[] raw)
    {
        for (var t = 0; t < tasks.Count; t++)
        {
            var task = tasks[t];
            if (task.Type == TaskType.Regression) continue;
            var classes = task.Type == TaskType.Binary ? 2 : task.Classes?.Count ?? 0;
            for (var i = 0; i < records.Count; i++)
            {
                var y = raw[i * tasks.Count + t];
                if (float.IsNaN(y)) continue;
                if (y != MathF.Floor(y) || y < 0 || y >= classes)
                    throw new ArgumentException(
                        $"{name} record {i} (id '{records[i].Id}'): label {y} of {task.Type.ToString().ToLowerInvariant()} task '{task.Name}' is not a class index in 0..{classes - 1}");
            }
        }
    }
}
