using System.Collections;

namespace RbpPipeline.Grpc;

/// <summary>
/// Custom metadata of a call (request headers, response headers, trailers). Keys are lower case; keys ending in
/// <c>-bin</c> carry bytes (sent base64), all others printable ASCII text. Duplicate keys are allowed and keep
/// their order.
/// </summary>
public sealed class Metadata : IReadOnlyList<Metadata.Entry>
{
    public const string BinarySuffix = "-bin";

    private readonly List<Entry> _entries = [];

    public int Count => _entries.Count;

    public Entry this[int index] => _entries[index];

    public Metadata Add(string key, string value)
    {
        _entries.Add(new Entry(key, value));
        return this;
    }

    public Metadata Add(string key, byte[] value)
    {
        _entries.Add(new Entry(key, value));
        return this;
    }

    public Metadata Add(Entry entry)
    {
        _entries.Add(entry);
        return this;
    }

    /// <summary>The last entry with this key, or null.</summary>
    public Entry? Get(string key)
    {
        for (var i = _entries.Count - 1; i >= 0; i--)
            if (string.Equals(_entries[i].Key, key, StringComparison.OrdinalIgnoreCase))
                return _entries[i];
        return null;
    }

    public string? GetValue(string key) => Get(key)?.Value;

    public byte[]? GetValueBytes(string key) => Get(key)?.ValueBytes;

    public IEnumerable<Entry> GetAll(string key) =>
        _entries.Where(e => string.Equals(e.Key, key, StringComparison.OrdinalIgnoreCase));

    public int RemoveAll(string key) =>
        _entries.RemoveAll(e => string.Equals(e.Key, key, StringComparison.OrdinalIgnoreCase));

    public IEnumerator<Entry> GetEnumerator() => _entries.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public static bool IsBinaryKey(string key) => key.EndsWith(BinarySuffix, StringComparison.OrdinalIgnoreCase);

    /// <summary>One key/value pair; exactly one of <see cref="Value"/> and <see cref="ValueBytes"/> is set.</summary>
    public sealed class Entry
    {
        public Entry(string key, string value)
        {
            Key = NormalizeKey(key);
            if (IsBinaryKey(Key))
                throw new ArgumentException($"metadata key '{Key}' ends with '-bin' and so needs a byte[] value", nameof(key));
            foreach (var c in value)
                if (c is < ' ' or > '~')
                    throw new ArgumentException(
                        $"metadata value for '{Key}' must be printable ASCII (use a '-bin' key for other data)", nameof(value));
            Value = value;
        }

        public Entry(string key, byte[] value)
        {
            Key = NormalizeKey(key);
            if (!IsBinaryKey(Key))
                throw new ArgumentException($"metadata key '{Key}' carries bytes and so must end with '-bin'", nameof(key));
            ValueBytes = value;
        }

        public string Key { get; }

        public string? Value { get; }

        public byte[]? ValueBytes { get; }

        public bool IsBinary => ValueBytes is not null;

        public override string ToString() =>
            IsBinary ? $"{Key}: [{ValueBytes!.Length} bytes]" : $"{Key}: {Value}";

        private static string NormalizeKey(string key)
        {
            ArgumentException.ThrowIfNullOrEmpty(key);
            var lower = key.ToLowerInvariant();
            foreach (var c in lower)
                if (!(c is >= 'a' and <= 'z' || c is >= '0' and <= '9' || c is '-' or '_' or '.'))
                    throw new ArgumentException($"metadata key '{key}' may only contain 0-9 a-z - _ .", nameof(key));
            if (lower.StartsWith("grpc-", StringComparison.Ordinal))
                throw new ArgumentException($"metadata key '{key}' is reserved: 'grpc-' keys belong to the protocol", nameof(key));
            return lower;
        }
    }
}
