namespace RbpPipeline.Contracts.SequenceEncoding;

/// <summary>
/// Encodes one extra track into [channels, L] per record, cut by the window of the record's sequence (from
/// <see cref="SequenceEncoder.WindowFor"/>) so that column p of every input describes the same base.
/// </summary>
public sealed class TrackEncoder
{
    private readonly float[]? _symbolColumns;
    private readonly bool[]? _validSymbols;

    public TrackEncoder(EncodingSpec spec, TrackSpec track)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(track);
        if (!spec.Tracks.Contains(track)) throw new ArgumentException($"track '{track.Name}' is not part of this encoding", nameof(track));
        spec.Validate();
        Track = track;
        Length = spec.Length;
        Channels = track.ChannelNames.Count;
        if (track is CategoricalTrackSpec categorical)
        {
            _symbolColumns = new float[256 * Channels];
            _validSymbols = new bool[256];
            foreach (var c in categorical.BlankSymbols) _validSymbols[c] = true;
            for (var k = 0; k < Channels; k++)
                foreach (var c in categorical.Categories[k].Symbols)
                {
                    _validSymbols[c] = true;
                    _symbolColumns[c * Channels + k] = 1f;
                }
        }
    }

    public TrackSpec Track { get; }

    public int Channels { get; }

    public int Length { get; }

    /// <summary>Floats per encoded record: channels × L.</summary>
    public int RecordSize => Channels * Length;

    /// <summary>Encodes a string with one symbol per base (categorical tracks).</summary>
    public void EncodeSymbols(ReadOnlySpan<char> symbols, LengthWindow window, Span<float> destination, int recordIndex = 0, string? recordId = null)
    {
        if (Track is not CategoricalTrackSpec categorical)
            throw new InvalidOperationException($"track '{Track.Name}' is a profile track: give it numbers, not symbols");
        CheckDestination(destination);
        CheckLength(symbols.Length, window, recordIndex, recordId);
        for (var i = 0; i < symbols.Length; i++)
        {
            var c = symbols[i];
            if (c < 256 && _validSymbols![c]) continue;
            var expected = string.Join(", ", categorical.Categories.Select(k => $"'{k.Symbols}' ({k.Name})"));
            if (categorical.BlankSymbols.Length > 0) expected += $", or blank '{categorical.BlankSymbols}'";
            throw new SequenceEncodingException(
                $"{SequenceEncodingException.Describe("record", recordIndex, recordId)}: track '{Track.Name}' has {SequenceEncodingException.Show(c)} at position {i} (0-based); expected one of {expected}",
                recordIndex, recordId, i);
        }
        FillPadding(destination, window);
        int start = window.DestinationStart, count = window.CopyLength;
        var source = symbols.Slice(window.SourceStart, count);
        var table = _symbolColumns.AsSpan();
        for (var i = 0; i < count; i++)
        {
            var column = table.Slice(source[i] * Channels, Channels);
            for (var k = 0; k < Channels; k++) destination[k * Length + start + i] = column[k];
        }
    }

    /// <summary>
    /// Encodes numeric per-base values (profile tracks), given channel-major: all of channel 0's values for the raw
    /// sequence, then channel 1's, and so on (channels × raw length floats).
    /// </summary>
    public void EncodeProfile(ReadOnlySpan<float> values, LengthWindow window, Span<float> destination, int recordIndex = 0, string? recordId = null)
    {
        if (Track is not ProfileTrackSpec)
            throw new InvalidOperationException($"track '{Track.Name}' is a categorical track: give it a symbol string, not numbers");
        CheckDestination(destination);
        if (values.Length % Channels != 0)
            throw new SequenceEncodingException(
                $"{SequenceEncodingException.Describe("record", recordIndex, recordId)}: track '{Track.Name}' has {values.Length} values, which is not a whole number of positions × {Channels} channels ({string.Join(", ", Track.ChannelNames)})",
                recordIndex, recordId);
        var raw = values.Length / Channels;
        CheckLength(raw, window, recordIndex, recordId);
        for (var i = 0; i < values.Length; i++)
            if (!float.IsFinite(values[i]))
                throw new SequenceEncodingException(
                    $"{SequenceEncodingException.Describe("record", recordIndex, recordId)}: track '{Track.Name}' channel '{Track.ChannelNames[i / raw]}' has {values[i]} at position {i % raw} (0-based); values must be finite",
                    recordIndex, recordId, i % raw);
        FillPadding(destination, window);
        for (var k = 0; k < Channels; k++)
            values.Slice(k * raw + window.SourceStart, window.CopyLength)
                .CopyTo(destination.Slice(k * Length + window.DestinationStart, window.CopyLength));
    }

    private void CheckDestination(Span<float> destination)
    {
        if (destination.Length != RecordSize)
            throw new ArgumentException($"destination holds {destination.Length} floats; track '{Track.Name}' needs {Channels} × {Length} = {RecordSize}", nameof(destination));
    }

    private void CheckLength(int trackLength, LengthWindow window, int recordIndex, string? recordId)
    {
        if (trackLength != window.RawLength)
            throw new SequenceEncodingException(
                $"{SequenceEncodingException.Describe("record", recordIndex, recordId)}: track '{Track.Name}' covers {trackLength} positions but the sequence has {window.RawLength} bases; they must agree",
                recordIndex, recordId);
    }

    private void FillPadding(Span<float> destination, LengthWindow window)
    {
        var end = window.DestinationStart + window.CopyLength;
        for (var k = 0; k < Channels; k++)
        {
            var channel = destination.Slice(k * Length, Length);
            channel[..window.DestinationStart].Fill(Track.PaddingValue);
            channel[end..].Fill(Track.PaddingValue);
        }
    }
}
