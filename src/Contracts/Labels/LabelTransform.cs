using System.Text.Json.Serialization;

namespace RbpPipeline.Contracts.Labels;

/// <summary>
/// One fitted step of a label transform: maps labels from the data's scale to the scale the model is trained
/// on (<see cref="Apply"/>) and model outputs back (<see cref="Inverse"/>). NaN (a missing label) passes through.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type", UnknownDerivedTypeHandling = JsonUnknownDerivedTypeHandling.FailSerialization)]
[JsonDerivedType(typeof(IdentityTransform), "identity")]
[JsonDerivedType(typeof(ZScoreTransform), "zscore")]
[JsonDerivedType(typeof(ClipTransform), "clip")]
[JsonDerivedType(typeof(LogTransform), "log")]
[JsonDerivedType(typeof(MinMaxTransform), "minmax")]
public abstract record LabelTransform
{
    public abstract double Apply(double value);

    public abstract double Inverse(double value);

    internal abstract void Validate();
}

public sealed record IdentityTransform : LabelTransform
{
    public override double Apply(double value) => value;

    public override double Inverse(double value) => value;

    internal override void Validate() { }
}

/// <summary>(y − mean) / std, with std the population standard deviation (ddof = 0) of the training labels.</summary>
public sealed record ZScoreTransform : LabelTransform
{
    [JsonRequired] public required double Mean { get; init; }

    [JsonRequired] public required double Std { get; init; }

    public override double Apply(double value) => (value - Mean) / Std;

    public override double Inverse(double value) => value * Std + Mean;

    internal override void Validate()
    {
        if (!double.IsFinite(Mean) || !double.IsFinite(Std) || Std <= 0)
            throw new ArgumentException($"zscore needs a finite mean and a positive std, got mean {Mean}, std {Std}");
    }
}

/// <summary>
/// Clamps labels to [<see cref="Lower"/>, <see cref="Upper"/>], thresholds fitted as percentiles of the training
/// labels (<see cref="LabelStatistics.Percentile"/>). <see cref="Inverse"/> is the identity: values that were clipped
/// cannot be recovered, so Inverse(Apply(y)) = y holds only for y inside the clip range.
/// </summary>
public sealed record ClipTransform : LabelTransform
{
    /// <summary>Recorded for provenance: the percentile <see cref="Upper"/> was fitted at.</summary>
    [JsonRequired] public required double UpperPercentile { get; init; }

    [JsonRequired] public required double Upper { get; init; }

    /// <summary>Absent for an upper-only clip (ResidualBind-style).</summary>
    public double? LowerPercentile { get; init; }

    public double? Lower { get; init; }

    public override double Apply(double value) =>
        value > Upper ? Upper : Lower is { } lower && value < lower ? lower : value;

    public override double Inverse(double value) => value;

    internal override void Validate()
    {
        if (LowerPercentile.HasValue != Lower.HasValue)
            throw new ArgumentException("clip: lowerPercentile and lower come together or not at all");
        if (!double.IsFinite(Upper) || Lower is { } l && (!double.IsFinite(l) || l > Upper))
            throw new ArgumentException($"clip needs finite thresholds with lower ≤ upper, got [{Lower}, {Upper}]");
    }
}

/// <summary>
/// log(y − min + 1) with min the smallest training label, so the smallest label maps to 0. Inverse:
/// exp(z) − 1 + min. Labels below min − 1 have no logarithm and are rejected.
/// </summary>
public sealed record LogTransform : LabelTransform
{
    [JsonRequired] public required double Min { get; init; }

    public override double Apply(double value)
    {
        var shifted = value - Min + 1;
        if (shifted <= 0)
            throw new ArgumentOutOfRangeException(nameof(value), value,
                $"log transform fitted with min {Min} cannot take labels ≤ min − 1 (log of a non-positive number); clip the labels first");
        return Math.Log(shifted);
    }

    public override double Inverse(double value) => Math.Exp(value) - 1 + Min;

    internal override void Validate()
    {
        if (!double.IsFinite(Min)) throw new ArgumentException($"log transform needs a finite min, got {Min}");
    }
}

/// <summary>
/// Scales the training range [min, max] linearly onto [−1, 1] (RBP-ADDA): 2(y − min)/(max − min) − 1. Inverse:
/// (z + 1)(max − min)/2 + min. New labels outside the training range land outside [−1, 1]; nothing is clamped.
/// </summary>
public sealed record MinMaxTransform : LabelTransform
{
    [JsonRequired] public required double Min { get; init; }

    [JsonRequired] public required double Max { get; init; }

    public override double Apply(double value) => 2 * (value - Min) / (Max - Min) - 1;

    public override double Inverse(double value) => (value + 1) * (Max - Min) / 2 + Min;

    internal override void Validate()
    {
        if (!double.IsFinite(Min) || !double.IsFinite(Max) || Max <= Min)
            throw new ArgumentException($"minmax needs finite min < max, got [{Min}, {Max}]");
    }
}
