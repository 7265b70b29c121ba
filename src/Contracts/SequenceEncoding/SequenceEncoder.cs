namespace RbpPipeline.Contracts.SequenceEncoding;

/// <summary>
/// The one nucleotide encoder: strings → [batch, 4, L] float32, channels-first (what Conv1d wants), channel order
/// A, C, G, U. A 256-entry table maps each 8-bit character to its column, so encoding allocates nothing per base.
/// Thread-safe once constructed.
/// </summary>
public sealed class SequenceEncoder
{
    public const int Channels = 4;

    // Upper-case IUPAC letters tried when decoding a column, plain bases first.
    private const string DecodeOrder = "ACGUN" + Nucleotides.AmbiguityCodes;

    private readonly float[] _columns = new float[256 * Channels];
    private readonly CharClass[] _classes = new CharClass[256];
    private readonly float[] _padding;

    public SequenceEncoder(EncodingSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        spec.Validate();
        Spec = spec;
        _padding = [spec.PaddingValue, spec.PaddingValue, spec.PaddingValue, spec.PaddingValue];
        Array.Fill(_classes, CharClass.Invalid);
        foreach (var upper in DecodeOrder + "T")
        {
            var cls = upper == 'N' ? Classify(spec.NPolicy) :
                Nucleotides.AmbiguityCodes.Contains(upper) ? Classify(spec.AmbiguityPolicy) : CharClass.Valid;
            var column = ColumnOf(upper, spec.NPolicy);
            foreach (var c in new[] { upper, char.ToLowerInvariant(upper) })
            {
                _classes[c] = cls;
                column.CopyTo(_columns, c * Channels);
            }
        }
    }

    public EncodingSpec Spec { get; }

    public int Length => Spec.Length;

    /// <summary>Floats per encoded record: 4 × L.</summary>
    public int RecordSize => Channels * Spec.Length;

    /// <summary>
    /// Encodes one sequence into <paramref name="destination"/> (exactly 4 × L floats, laid out [4, L]).
    /// <paramref name="recordIndex"/> and <paramref name="recordId"/> only label error messages.
    /// </summary>
    /// <exception cref="SequenceEncodingException">An invalid character or, under <c>exact</c>, a wrong length.</exception>
    public void Encode(ReadOnlySpan<char> sequence, Span<float> destination, int recordIndex = 0, string? recordId = null)
    {
        if (destination.Length != RecordSize)
            throw new ArgumentException($"destination holds {destination.Length} floats; one record needs 4 × {Length} = {RecordSize}", nameof(destination));
        var window = WindowFor(sequence.Length, recordIndex, recordId);
        CheckCharacters(sequence, recordIndex, recordId);

        var length = Length;
        int start = window.DestinationStart, count = window.CopyLength, end = start + count;
        for (var k = 0; k < Channels; k++)
        {
            var channel = destination.Slice(k * length, length);
            channel[..start].Fill(Spec.PaddingValue);
            channel[end..].Fill(Spec.PaddingValue);
        }
        var source = sequence.Slice(window.SourceStart, count);
        var table = _columns.AsSpan();
        for (var i = 0; i < count; i++)
        {
            var column = table.Slice(source[i] * Channels, Channels); // checked above: every char is < 256
            var p = start + i;
            destination[p] = column[0];
            destination[length + p] = column[1];
            destination[2 * length + p] = column[2];
            destination[3 * length + p] = column[3];
        }
    }

    /// <summary>Encodes a batch into <paramref name="destination"/>, laid out [batch, 4, L].</summary>
    public void EncodeBatch(IReadOnlyList<string> sequences, Span<float> destination, IReadOnlyList<string?>? ids = null)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        if (ids is not null && ids.Count != sequences.Count)
            throw new ArgumentException($"{ids.Count} ids for {sequences.Count} sequences", nameof(ids));
        if (destination.Length != sequences.Count * RecordSize)
            throw new ArgumentException($"destination holds {destination.Length} floats; {sequences.Count} records need {sequences.Count * RecordSize}", nameof(destination));
        for (var i = 0; i < sequences.Count; i++)
            Encode(sequences[i], destination.Slice(i * RecordSize, RecordSize), i, ids?[i]);
    }

    /// <summary>Encodes a batch into a new array laid out [batch, 4, L].</summary>
    public float[] EncodeBatch(IReadOnlyList<string> sequences, IReadOnlyList<string?>? ids = null)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        var result = new float[sequences.Count * RecordSize];
        EncodeBatch(sequences, result, ids);
        return result;
    }

    /// <summary>
    /// The window a raw sequence of this length gets, or the error the length policy gives for it. Track encoders
    /// take their window from here so that every modality is cut identically.
    /// </summary>
    public LengthWindow WindowFor(int rawLength, int recordIndex = 0, string? recordId = null)
    {
        if (Spec.LengthPolicy == LengthPolicy.Exact && rawLength != Length)
            throw new SequenceEncodingException(
                $"{SequenceEncodingException.Describe("sequence", recordIndex, recordId)} has length {rawLength}, expected exactly {Length} (length policy 'exact')",
                recordIndex, recordId);
        return LengthWindow.For(Spec.LengthPolicy, rawLength, Length);
    }

    /// <summary>
    /// What <see cref="Decode"/> returns for an encoded <paramref name="sequence"/>: upper case, T as U, cut to L by
    /// the length policy, padding shown as N.
    /// </summary>
    public string Normalise(ReadOnlySpan<char> sequence, int recordIndex = 0, string? recordId = null)
    {
        var window = WindowFor(sequence.Length, recordIndex, recordId);
        CheckCharacters(sequence, recordIndex, recordId);
        var result = new char[Length];
        Array.Fill(result, 'N');
        var source = sequence.Slice(window.SourceStart, window.CopyLength);
        for (var i = 0; i < source.Length; i++)
        {
            var upper = char.ToUpperInvariant(source[i]);
            result[window.DestinationStart + i] = upper == 'T' ? 'U' : upper;
        }
        return new string(result);
    }

    /// <summary>
    /// Turns one encoded record ([4, L]) back into letters: each column is matched exactly against the columns this
    /// encoding produces (A, C, G, U, then N, then the ambiguity codes this spec accepts); a padding column reads N.
    /// </summary>
    /// <exception cref="FormatException">A column this encoding never produces.</exception>
    public string Decode(ReadOnlySpan<float> encoded)
    {
        if (encoded.Length != RecordSize)
            throw new ArgumentException($"one record is 4 × {Length} = {RecordSize} floats, got {encoded.Length}", nameof(encoded));
        var result = new char[Length];
        Span<float> column = stackalloc float[Channels];
        for (var p = 0; p < Length; p++)
        {
            for (var k = 0; k < Channels; k++) column[k] = encoded[k * Length + p];
            result[p] = DecodeColumn(column)
                ?? throw new FormatException($"column {p} (0-based) = ({string.Join(", ", column.ToArray())}) is not a column this encoding produces");
        }
        return new string(result);
    }

    private char? DecodeColumn(ReadOnlySpan<float> column)
    {
        foreach (var c in DecodeOrder)
            if (_classes[c] == CharClass.Valid && column.SequenceEqual(_columns.AsSpan(c * Channels, Channels)))
                return c;
        return column.SequenceEqual(_padding) ? 'N' : null;
    }

    private void CheckCharacters(ReadOnlySpan<char> sequence, int recordIndex, string? recordId)
    {
        for (var i = 0; i < sequence.Length; i++)
        {
            var c = sequence[i];
            if (c < 256 && _classes[c] == CharClass.Valid) continue;
            throw new SequenceEncodingException(DescribeBadCharacter(c, i, recordIndex, recordId), recordIndex, recordId, i);
        }
    }

    private string DescribeBadCharacter(char c, int position, int recordIndex, string? recordId)
    {
        var where = $"{SequenceEncodingException.Describe("sequence", recordIndex, recordId)}: {SequenceEncodingException.Show(c)} at position {position} (0-based)";
        var cls = c < 256 ? _classes[c] : CharClass.Invalid;
        return cls switch
        {
            CharClass.RejectedN => $"{where} is not allowed: this encoding's nPolicy is 'error'",
            CharClass.RejectedAmbiguity => $"{where} is an IUPAC ambiguity code, which this encoding rejects (ambiguityPolicy 'error')",
            _ => $"{where} is not a nucleotide; expected {Expected()}",
        };
    }

    private string Expected()
    {
        var parts = new List<string> { "A, C, G, U or T (any case)" };
        if (Spec.NPolicy != NPolicy.Error) parts.Add("N");
        if (Spec.AmbiguityPolicy != AmbiguityPolicy.Error) parts.Add($"an IUPAC ambiguity code ({string.Join(", ", Nucleotides.AmbiguityCodes.ToCharArray())})");
        return parts.Count == 1 ? parts[0] : $"{string.Join(", ", parts[..^1])} or {parts[^1]}";
    }

    private static CharClass Classify(NPolicy policy) => policy == NPolicy.Error ? CharClass.RejectedN : CharClass.Valid;

    private static CharClass Classify(AmbiguityPolicy policy) =>
        policy == AmbiguityPolicy.Error ? CharClass.RejectedAmbiguity : CharClass.Valid;

    private static float[] ColumnOf(char upper, NPolicy nPolicy)
    {
        var column = new float[Channels];
        if (upper == 'N' && nPolicy != NPolicy.Uniform) return column;
        var bases = Nucleotides.BasesOf(upper);
        foreach (var b in bases) column[EncodingSpec.RnaAlphabet.IndexOf(b)] = 1f / bases.Length;
        return column;
    }

    private enum CharClass : byte { Invalid, Valid, RejectedN, RejectedAmbiguity }
}
