using System.Text.Json.Serialization;

namespace RbpPipeline.Contracts.Labels;

/// <summary>
/// A fitted list of label transform steps, applied in order and inverted in reverse order. An empty chain is the
/// identity. Stored per task in the manifest so the server can map model outputs back to the data's scale.
/// </summary>
public sealed record LabelTransformChain
{
    [JsonRequired] public required IReadOnlyList<LabelTransform> Steps { get; init; }

    public static LabelTransformChain Identity { get; } = new() { Steps = [] };

    public bool Equals(LabelTransformChain? other) => other is not null && Steps.SequenceEqual(other.Steps);

    public override int GetHashCode() => Steps.Count;

    /// <summary>
    /// Fits each step on the training labels as transformed by the steps before it (so [clip, zscore] standardises the
    /// clipped labels). NaN marks a missing label and is left out of fitting; infinities are errors.
    /// </summary>
    public static LabelTransformChain Fit(IEnumerable<LabelTransformSpec> specs, IEnumerable<double> trainingLabels)
    {
        ArgumentNullException.ThrowIfNull(specs);
        ArgumentNullException.ThrowIfNull(trainingLabels);
        var values = trainingLabels.Where(v => !double.IsNaN(v)).ToArray();
        if (values.FirstOrDefault(double.IsInfinity) is var inf && double.IsInfinity(inf))
            throw new ArgumentException($"training labels contain {inf}; only finite labels (or NaN for missing) can be fitted", nameof(trainingLabels));
        if (values.Length == 0) throw new ArgumentException("no (non-missing) training labels to fit the label transform on", nameof(trainingLabels));
        var steps = new List<LabelTransform>();
        foreach (var spec in specs)
        {
            var step = spec.Fit(values);
            steps.Add(step);
            for (var i = 0; i < values.Length; i++) values[i] = step.Apply(values[i]);
        }
        return new LabelTransformChain { Steps = steps };
    }

    public double Apply(double label)
    {
        foreach (var step in Steps) label = step.Apply(label);
        return label;
    }

    public double Inverse(double output)
    {
        for (var i = Steps.Count - 1; i >= 0; i--) output = Steps[i].Inverse(output);
        return output;
    }

    public void ApplyInPlace(Span<float> labels)
    {
        for (var i = 0; i < labels.Length; i++) labels[i] = (float)Apply(labels[i]);
    }

    /// <summary>Maps model outputs back to the data's scale (what the server returns).</summary>
    public void InverseInPlace(Span<float> outputs)
    {
        for (var i = 0; i < outputs.Length; i++) outputs[i] = (float)Inverse(outputs[i]);
    }

    /// <summary>Throws <see cref="ArgumentException"/> for a step with unusable parameters (e.g. a zero std).</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Steps);
        for (var i = 0; i < Steps.Count; i++)
        {
            if (Steps[i] is null) throw new ArgumentException($"label transform step {i} is null");
            try { Steps[i].Validate(); }
            catch (ArgumentException e) { throw new ArgumentException($"label transform step {i}: {e.Message}", e); }
        }
    }
}
