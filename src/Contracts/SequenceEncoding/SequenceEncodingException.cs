using System.Globalization;

namespace RbpPipeline.Contracts.SequenceEncoding;

/// <summary>
/// A record that cannot be encoded under an <see cref="EncodingSpec"/>. The message names the record (its 0-based
/// index in the batch and its id when one was given) so that a user can find it in their file.
/// </summary>
public sealed class SequenceEncodingException : FormatException
{
    public SequenceEncodingException(string message, int recordIndex, string? recordId, int? position = null)
        : base(message)
    {
        RecordIndex = recordIndex;
        RecordId = recordId;
        Position = position;
    }

    /// <summary>0-based index of the record in the batch.</summary>
    public int RecordIndex { get; }

    public string? RecordId { get; }

    /// <summary>0-based position in the record's raw input, where the error is about one position.</summary>
    public int? Position { get; }

    internal static string Describe(string what, int recordIndex, string? recordId) =>
        recordId is null
            ? $"{what} {recordIndex.ToString(CultureInfo.InvariantCulture)}"
            : $"{what} {recordIndex.ToString(CultureInfo.InvariantCulture)} (id '{recordId}')";

    /// <summary>A character as a reader can recognise it, including invisible ones: 'x' (U+0078).</summary>
    internal static string Show(char c) =>
        char.IsControl(c) || char.IsWhiteSpace(c) || char.IsSurrogate(c)
            ? $"U+{(int)c:X4}"
            : $"'{c}' (U+{(int)c:X4})";
}
