namespace RbpPipeline.Contracts.SequenceEncoding;

/// <summary>One raw example: a sequence plus the values of each extra track the encoding declares.</summary>
public sealed record InputRecord
{
    public required string Sequence { get; init; }

    /// <summary>Names the record in error messages (a FASTA header, a BED name); optional.</summary>
    public string? Id { get; init; }

    /// <summary>Track name → values; must hold exactly the tracks of the encoding.</summary>
    public IReadOnlyDictionary<string, TrackValues> Tracks { get; init; } = new Dictionary<string, TrackValues>();
}

/// <summary>The raw values of one track for one record: a symbol string or a channel-major numeric matrix.</summary>
public sealed record TrackValues
{
    private TrackValues(string? symbols, float[]? profile) => (Symbols, Profile) = (symbols, profile);

    public string? Symbols { get; }

    /// <summary>Channel-major: channel 0 for every base, then channel 1, … (channels × raw length).</summary>
    public float[]? Profile { get; }

    public static TrackValues FromSymbols(string symbols) => new(symbols ?? throw new ArgumentNullException(nameof(symbols)), null);

    public static TrackValues FromProfile(float[] channelMajor) => new(null, channelMajor ?? throw new ArgumentNullException(nameof(channelMajor)));
}

/// <summary>One model input of a batch, laid out [batch, channels, length].</summary>
public sealed record EncodedTensor(string Name, IReadOnlyList<string> ChannelNames, int Length, float[] Data)
{
    public int BatchSize => Data.Length / (ChannelNames.Count * Length);

    public long[] Shape => [BatchSize, ChannelNames.Count, Length];
}

/// <summary>
/// Encodes whole records (sequence and tracks) into every input tensor an <see cref="EncodingSpec"/> defines. This
/// is what the Trainer's data loader and the Server's request path call.
/// </summary>
public sealed class InputEncoder
{
    public InputEncoder(EncodingSpec spec)
    {
        Sequence = new SequenceEncoder(spec);
        Tracks = [.. spec.Tracks.Select(t => new TrackEncoder(spec, t))];
    }

    public EncodingSpec Spec => Sequence.Spec;

    public SequenceEncoder Sequence { get; }

    public IReadOnlyList<TrackEncoder> Tracks { get; }

    /// <summary>The tensors in <see cref="EncodingSpec.InputTensors"/> order: <c>sequence</c>, then each track.</summary>
    public IReadOnlyList<EncodedTensor> Encode(IReadOnlyList<InputRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        var sequence = new float[records.Count * Sequence.RecordSize];
        var tracks = Tracks.Select(t => new float[records.Count * t.RecordSize]).ToArray();
        for (var r = 0; r < records.Count; r++)
        {
            var record = records[r] ?? throw new ArgumentException($"record {r} is null", nameof(records));
            Sequence.Encode(record.Sequence, sequence.AsSpan(r * Sequence.RecordSize, Sequence.RecordSize), r, record.Id);
            var window = Sequence.WindowFor(record.Sequence.Length, r, record.Id);
            CheckTrackNames(record, r);
            for (var t = 0; t < Tracks.Count; t++)
            {
                var encoder = Tracks[t];
                var values = record.Tracks[encoder.Track.Name];
                var destination = tracks[t].AsSpan(r * encoder.RecordSize, encoder.RecordSize);
                if (encoder.Track is CategoricalTrackSpec)
                    encoder.EncodeSymbols(values.Symbols ?? throw WrongKind(record, r, encoder.Track, "a symbol string"), window, destination, r, record.Id);
                else
                    encoder.EncodeProfile(values.Profile ?? throw WrongKind(record, r, encoder.Track, "a numeric profile"), window, destination, r, record.Id);
            }
        }
        return
        [
            new EncodedTensor(EncodingSpec.SequenceInputName, Nucleotides.ChannelNames, Spec.Length, sequence),
            .. Tracks.Select((t, i) => new EncodedTensor(t.Track.Name, t.Track.ChannelNames, Spec.Length, tracks[i])),
        ];
    }

    private void CheckTrackNames(InputRecord record, int index)
    {
        var missing = Tracks.Select(t => t.Track.Name).Where(n => !record.Tracks.ContainsKey(n)).ToList();
        var unknown = record.Tracks.Keys.Where(n => Tracks.All(t => t.Track.Name != n)).ToList();
        if (missing.Count == 0 && unknown.Count == 0) return;
        var problems = new List<string>();
        if (missing.Count > 0) problems.Add($"lacks track(s) {string.Join(", ", missing.Select(n => $"'{n}'"))}");
        if (unknown.Count > 0) problems.Add($"has track(s) {string.Join(", ", unknown.Select(n => $"'{n}'"))} this encoding does not use");
        var expected = Tracks.Count == 0 ? "none" : string.Join(", ", Tracks.Select(t => $"'{t.Track.Name}'"));
        throw new SequenceEncodingException(
            $"{SequenceEncodingException.Describe("record", index, record.Id)} {string.Join(" and ", problems)}; the encoding's tracks are {expected}",
            index, record.Id);
    }

    private static SequenceEncodingException WrongKind(InputRecord record, int index, TrackSpec track, string expected) =>
        new($"{SequenceEncodingException.Describe("record", index, record.Id)}: track '{track.Name}' needs {expected}", index, record.Id);
}
