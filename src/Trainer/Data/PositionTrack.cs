using RbpPipeline.Contracts.SequenceEncoding;

namespace RbpPipeline.Trainer.Data;

/// <summary>Raw per-position data beside a sequence; its <see cref="Length"/> must equal the sequence's.</summary>
public abstract class PositionTrack(string name)
{
    public string Name { get; } = name;

    public abstract int Length { get; }

    /// <summary>The raw values in the shape the Contracts encoder takes.</summary>
    public abstract TrackValues ToTrackValues();
}

/// <summary>
/// Numbers per channel and position, such as region-type flags or base-pairing probabilities. Values are
/// channel-major (all positions of channel 0, then channel 1, ...), the layout of the iONMF matrices and of a
/// [channels, length] tensor.
/// </summary>
public sealed class NumericTrack : PositionTrack
{
    private readonly float[] _values;

    public NumericTrack(string name, IReadOnlyList<string> channels, float[] values) : base(name)
    {
        ArgumentNullException.ThrowIfNull(channels);
        ArgumentNullException.ThrowIfNull(values);
        if (channels.Count == 0) throw new ArgumentException("a numeric track needs at least one channel", nameof(channels));
        if (values.Length % channels.Count != 0)
            throw new ArgumentException($"{values.Length} values do not fill {channels.Count} channels evenly", nameof(values));
        Channels = channels;
        _values = values;
    }

    public IReadOnlyList<string> Channels { get; }

    public override int Length => _values.Length / Channels.Count;

    public ReadOnlySpan<float> Values => _values;

    public float this[int channel, int position] => _values[channel * Length + position];

    public ReadOnlySpan<float> Channel(int channel) => _values.AsSpan(channel * Length, Length);

    // A copy: TrackValues exposes its array, and a track read once may be encoded many times.
    public override TrackValues ToTrackValues() => TrackValues.FromProfile((float[])_values.Clone());
}

/// <summary>
/// One symbol per position, such as an RNAshapes-style structure string (F H I M S T) or a region code string;
/// how symbols map to channels is the encoding's business.
/// </summary>
public sealed class SymbolTrack : PositionTrack
{
    public SymbolTrack(string name, string symbols) : base(name)
    {
        ArgumentNullException.ThrowIfNull(symbols);
        Symbols = symbols;
    }

    public string Symbols { get; }

    public override int Length => Symbols.Length;

    public override TrackValues ToTrackValues() => TrackValues.FromSymbols(Symbols);
}
