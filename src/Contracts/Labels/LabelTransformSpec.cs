using System.Text.Json.Serialization;
using RbpPipeline.Contracts.Json;

namespace RbpPipeline.Contracts.Labels;

/// <summary>
/// An unfitted label transform step as a configuration names it: the kind and, for <c>clip</c>, its percentiles.
/// <see cref="LabelTransformChain.Fit"/> turns a list of these into a fitted chain.
/// </summary>
public sealed record LabelTransformSpec
{
    [JsonRequired] public required LabelTransformKind Kind { get; init; }

    /// <summary>Clip only: the percentile (0–100) the upper threshold is fitted at, e.g. 99.</summary>
    public double? UpperPercentile { get; init; }

    /// <summary>Clip only, optional: the percentile the lower threshold is fitted at.</summary>
    public double? LowerPercentile { get; init; }

    public static LabelTransformSpec Identity { get; } = new() { Kind = LabelTransformKind.Identity };
    public static LabelTransformSpec ZScore { get; } = new() { Kind = LabelTransformKind.ZScore };
    public static LabelTransformSpec Log { get; } = new() { Kind = LabelTransformKind.Log };
    public static LabelTransformSpec MinMax { get; } = new() { Kind = LabelTransformKind.MinMax };

    public static LabelTransformSpec Clip(double upperPercentile, double? lowerPercentile = null) =>
        new() { Kind = LabelTransformKind.Clip, UpperPercentile = upperPercentile, LowerPercentile = lowerPercentile };

    /// <summary>Fits this step to finite labels (the chain drops missing ones before calling).</summary>
    internal LabelTransform Fit(IReadOnlyList<double> values)
    {
        if (Kind != LabelTransformKind.Clip && (UpperPercentile.HasValue || LowerPercentile.HasValue))
            throw new ArgumentException($"percentiles belong to 'clip', not '{Kind}'");
        LabelTransform fitted = Kind switch
        {
            LabelTransformKind.Identity => new IdentityTransform(),
            LabelTransformKind.ZScore => FitZScore(values),
            LabelTransformKind.Clip => FitClip(values),
            LabelTransformKind.Log => new LogTransform { Min = values.Min() },
            LabelTransformKind.MinMax => FitMinMax(values),
            _ => throw new ArgumentOutOfRangeException(nameof(Kind), Kind, "unknown label transform"),
        };
        fitted.Validate();
        return fitted;
    }

    private static ZScoreTransform FitZScore(IReadOnlyList<double> values)
    {
        var std = LabelStatistics.StandardDeviation(values);
        if (std <= 0) throw new ArgumentException($"cannot fit zscore: all {values.Count} labels are equal ({values[0]}), so the standard deviation is 0");
        return new ZScoreTransform { Mean = LabelStatistics.Mean(values), Std = std };
    }

    private ClipTransform FitClip(IReadOnlyList<double> values)
    {
        var upper = UpperPercentile ?? throw new ArgumentException("clip needs an upperPercentile");
        if (LowerPercentile is { } low && low >= upper)
            throw new ArgumentException($"clip: lowerPercentile {low} must be below upperPercentile {upper}");
        return new ClipTransform
        {
            UpperPercentile = upper,
            Upper = LabelStatistics.Percentile(values, upper),
            LowerPercentile = LowerPercentile,
            Lower = LowerPercentile is { } lower ? LabelStatistics.Percentile(values, lower) : null,
        };
    }

    private static MinMaxTransform FitMinMax(IReadOnlyList<double> values)
    {
        double min = values.Min(), max = values.Max();
        if (max <= min) throw new ArgumentException($"cannot fit minmax: all {values.Count} labels are equal ({min})");
        return new MinMaxTransform { Min = min, Max = max };
    }
}

[JsonConverter(typeof(StrictEnumConverter<LabelTransformKind>))]
public enum LabelTransformKind
{
    [JsonStringEnumMemberName("identity")] Identity,
    [JsonStringEnumMemberName("zscore")] ZScore,
    [JsonStringEnumMemberName("clip")] Clip,
    [JsonStringEnumMemberName("log")] Log,
    [JsonStringEnumMemberName("minmax")] MinMax,
}
