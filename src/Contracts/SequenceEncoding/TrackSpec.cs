using System.Text.Json.Serialization;

namespace RbpPipeline.Contracts.SequenceEncoding;

/// <summary>
/// An extra per-position input modality, encoded into a tensor of its own ([batch, channels, L], named
/// <see cref="Name"/>) with the same length policy and the same window as the sequence.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind", UnknownDerivedTypeHandling = JsonUnknownDerivedTypeHandling.FailSerialization)]
[JsonDerivedType(typeof(CategoricalTrackSpec), "categorical")]
[JsonDerivedType(typeof(ProfileTrackSpec), "profile")]
public abstract record TrackSpec
{
    /// <summary>The input tensor's name, e.g. "region" or "structure".</summary>
    [JsonRequired, JsonPropertyOrder(-2)] public required string Name { get; init; }

    /// <summary>The value of every channel at a padded position.</summary>
    [JsonRequired, JsonPropertyOrder(-1)] public float PaddingValue { get; init; }

    /// <summary>The tensor's channel names, in channel order.</summary>
    [JsonIgnore] public abstract IReadOnlyList<string> ChannelNames { get; }

    internal virtual void Validate()
    {
        if (string.IsNullOrWhiteSpace(Name)) throw new ArgumentException("a track needs a name");
        if (!float.IsFinite(PaddingValue)) throw new ArgumentException($"track '{Name}': paddingValue must be finite, got {PaddingValue}");
    }
}

/// <summary>
/// A string with one symbol per position (a region string "IIIEEEE", an RNAshapes-style shape string "FSSHHHSST")
/// encoded one-hot, or multi-hot where a symbol belongs to several categories. Symbols are matched exactly
/// (case-sensitive).
/// </summary>
public sealed record CategoricalTrackSpec : TrackSpec
{
    /// <summary>One channel per category, in this order.</summary>
    [JsonRequired] public required IReadOnlyList<TrackCategory> Categories { get; init; }

    /// <summary>Symbols that are valid but set no channel (an all-zero column), e.g. "." for "no annotation".</summary>
    [JsonRequired] public string BlankSymbols { get; init; } = "";

    [JsonIgnore] public override IReadOnlyList<string> ChannelNames => [.. Categories.Select(c => c.Name)];

    public bool Equals(CategoricalTrackSpec? other) =>
        base.Equals(other) && Categories.SequenceEqual(other.Categories) && BlankSymbols == other.BlankSymbols;

    public override int GetHashCode() => HashCode.Combine(base.GetHashCode(), Categories.Count, BlankSymbols);

    /// <summary>One category per symbol, named by the symbol: <c>OneHot("shape", "FHIMST")</c>.</summary>
    public static CategoricalTrackSpec OneHot(string name, string symbols) => new()
    {
        Name = name,
        Categories = [.. symbols.Select(s => new TrackCategory(s.ToString(), s.ToString()))],
    };

    internal override void Validate()
    {
        base.Validate();
        ArgumentNullException.ThrowIfNull(Categories);
        ArgumentNullException.ThrowIfNull(BlankSymbols);
        if (Categories.Count == 0) throw new ArgumentException($"track '{Name}': a categorical track needs at least one category");
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var category in Categories)
        {
            ArgumentNullException.ThrowIfNull(category);
            if (string.IsNullOrEmpty(category.Name) || !names.Add(category.Name))
                throw new ArgumentException($"track '{Name}': category names must be non-empty and distinct ('{category.Name}')");
            if (string.IsNullOrEmpty(category.Symbols))
                throw new ArgumentException($"track '{Name}': category '{category.Name}' has no symbols");
            CheckSymbols(category.Symbols);
            if (category.Symbols.Distinct().Count() != category.Symbols.Length)
                throw new ArgumentException($"track '{Name}': category '{category.Name}' lists a symbol twice");
            var clash = category.Symbols.FirstOrDefault(BlankSymbols.Contains);
            if (clash != default)
                throw new ArgumentException($"track '{Name}': symbol '{clash}' is both blank and in category '{category.Name}'");
        }
        CheckSymbols(BlankSymbols);
    }

    // The encoder is a 256-entry table, so symbols must be 8-bit characters.
    private void CheckSymbols(string symbols)
    {
        var wide = symbols.FirstOrDefault(c => c > 0xFF);
        if (wide != default)
            throw new ArgumentException($"track '{Name}': symbol U+{(int)wide:X4} is outside the 8-bit range symbols are limited to");
    }
}

/// <summary>A channel of a categorical track and the symbols that set it.</summary>
public sealed record TrackCategory(string Name, string Symbols);

/// <summary>
/// Numeric per-position values with named channels, e.g. RNAplfold's unpaired probability ("unpaired") or CapR's
/// per-context probabilities (P, H, I, M, E). Supplied per record as a channel-major matrix.
/// </summary>
public sealed record ProfileTrackSpec : TrackSpec
{
    [JsonRequired] public required IReadOnlyList<string> Channels { get; init; }

    [JsonIgnore] public override IReadOnlyList<string> ChannelNames => Channels;

    public bool Equals(ProfileTrackSpec? other) => base.Equals(other) && Channels.SequenceEqual(other.Channels);

    public override int GetHashCode() => HashCode.Combine(base.GetHashCode(), Channels.Count);

    internal override void Validate()
    {
        base.Validate();
        ArgumentNullException.ThrowIfNull(Channels);
        if (Channels.Count == 0) throw new ArgumentException($"track '{Name}': a profile track needs at least one channel");
        if (Channels.Any(string.IsNullOrEmpty) || Channels.Distinct(StringComparer.Ordinal).Count() != Channels.Count)
            throw new ArgumentException($"track '{Name}': channel names must be non-empty and distinct");
    }
}
