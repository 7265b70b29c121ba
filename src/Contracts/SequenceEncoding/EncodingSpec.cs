using System.Text.Json.Serialization;
using RbpPipeline.Contracts.Json;

namespace RbpPipeline.Contracts.SequenceEncoding;

/// <summary>
/// How raw records become model input tensors: the nucleotide one-hot for the <c>sequence</c> input and any extra
/// per-position tracks (region, structure), all cut to one length by one length policy. Stored in every
/// checkpoint and model manifest; the Trainer, the Exporter's parity check and the Server all encode from it.
/// </summary>
/// <remarks>
/// Every property is required in JSON even where C# has a default: if a default ever changed, a stored file
/// that relied on it would silently be encoded differently from how its model was trained.
/// </remarks>
public sealed record EncodingSpec
{
    /// <summary>The channel order of the sequence input: channel 0 is A, 1 is C, 2 is G, 3 is U.</summary>
    public const string RnaAlphabet = "ACGU";

    /// <summary>The name of the nucleotide input tensor.</summary>
    public const string SequenceInputName = "sequence";

    /// <summary>Spelled out in every file so that readers in other languages see the channel order.</summary>
    [JsonRequired] public string Alphabet { get; init; } = RnaAlphabet;

    /// <summary>The fixed length L of every encoded tensor.</summary>
    [JsonRequired] public required int Length { get; init; }

    [JsonRequired] public LengthPolicy LengthPolicy { get; init; } = LengthPolicy.Exact;

    /// <summary>The value of every channel at a padded position of the sequence input (0, or 0.25 for "unknown").</summary>
    [JsonRequired] public float PaddingValue { get; init; }

    [JsonRequired] public NPolicy NPolicy { get; init; } = NPolicy.Zero;

    [JsonRequired] public AmbiguityPolicy AmbiguityPolicy { get; init; } = AmbiguityPolicy.Error;

    /// <summary>Extra per-position inputs, each its own tensor named after the track.</summary>
    [JsonRequired] public IReadOnlyList<TrackSpec> Tracks { get; init; } = [];

    /// <summary>The input tensors this encoding produces, in order: <c>sequence</c> first, then the tracks.</summary>
    public IReadOnlyList<(string Name, IReadOnlyList<string> Channels)> InputTensors() =>
        [(SequenceInputName, Nucleotides.ChannelNames), .. Tracks.Select(t => (t.Name, t.ChannelNames))];

    // Value equality including the tracks, so "is this the encoding the model was trained with?" is a plain ==.
    public bool Equals(EncodingSpec? other) =>
        other is not null && Alphabet == other.Alphabet && Length == other.Length && LengthPolicy == other.LengthPolicy &&
        PaddingValue.Equals(other.PaddingValue) && NPolicy == other.NPolicy && AmbiguityPolicy == other.AmbiguityPolicy &&
        Tracks.SequenceEqual(other.Tracks);

    public override int GetHashCode() => HashCode.Combine(Alphabet, Length, LengthPolicy, PaddingValue, NPolicy, AmbiguityPolicy, Tracks.Count);

    /// <summary>Throws <see cref="ArgumentException"/> naming the first inconsistency.</summary>
    public void Validate()
    {
        if (Alphabet != RnaAlphabet)
            throw new ArgumentException($"encoding alphabet is '{Alphabet}'; only '{RnaAlphabet}' (channel order A, C, G, U) is supported");
        if (Length < 1) throw new ArgumentException($"encoding length must be at least 1, got {Length}");
        if (!float.IsFinite(PaddingValue)) throw new ArgumentException($"encoding paddingValue must be finite, got {PaddingValue}");
        if (!Enum.IsDefined(LengthPolicy)) throw new ArgumentException($"unknown length policy {(int)LengthPolicy}");
        if (!Enum.IsDefined(NPolicy)) throw new ArgumentException($"unknown N policy {(int)NPolicy}");
        if (!Enum.IsDefined(AmbiguityPolicy)) throw new ArgumentException($"unknown ambiguity policy {(int)AmbiguityPolicy}");
        ArgumentNullException.ThrowIfNull(Tracks);
        var names = new HashSet<string>(StringComparer.Ordinal) { SequenceInputName };
        foreach (var track in Tracks)
        {
            ArgumentNullException.ThrowIfNull(track);
            if (!names.Add(track.Name))
                throw new ArgumentException($"track name '{track.Name}' is used twice (or clashes with the '{SequenceInputName}' input)");
            track.Validate();
        }
    }
}

/// <summary>How a sequence of any length is brought to the fixed length L.</summary>
[JsonConverter(typeof(StrictEnumConverter<LengthPolicy>))]
public enum LengthPolicy
{
    /// <summary>Only sequences of exactly L bases are accepted.</summary>
    [JsonStringEnumMemberName("exact")] Exact,

    /// <summary>
    /// The L-window is centred on the sequence. When the difference is odd, the 3′ end gets the extra: one more
    /// base trimmed there, or one more padding column there. See <see cref="LengthWindow"/>.
    /// </summary>
    [JsonStringEnumMemberName("centre")] Centre,

    /// <summary>Anchored at the 5′ start (left): keep the first L bases, pad or trim at the 3′ end.</summary>
    [JsonStringEnumMemberName("left")] Left,

    /// <summary>Anchored at the 3′ end (right): keep the last L bases, pad or trim at the 5′ start.</summary>
    [JsonStringEnumMemberName("right")] Right,
}

/// <summary>What the unknown base N becomes.</summary>
[JsonConverter(typeof(StrictEnumConverter<NPolicy>))]
public enum NPolicy
{
    /// <summary>An all-zero column (as RBP-ADDA pads).</summary>
    [JsonStringEnumMemberName("zero")] Zero,

    /// <summary>0.25 in every channel.</summary>
    [JsonStringEnumMemberName("uniform")] Uniform,

    /// <summary>N is rejected like an invalid character.</summary>
    [JsonStringEnumMemberName("error")] Error,
}

/// <summary>What the IUPAC ambiguity codes R, Y, S, W, K, M, B, D, H, V become.</summary>
[JsonConverter(typeof(StrictEnumConverter<AmbiguityPolicy>))]
public enum AmbiguityPolicy
{
    /// <summary>Rejected like an invalid character.</summary>
    [JsonStringEnumMemberName("error")] Error,

    /// <summary>The mean of the bases the code stands for, e.g. R = 0.5 A + 0.5 G.</summary>
    [JsonStringEnumMemberName("mean")] Mean,
}
