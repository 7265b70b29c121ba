namespace RbpPipeline.Grpc;

/// <summary>Maps <see cref="Metadata"/> to and from HTTP/2 header fields (base64 for binary values).</summary>
public static class MetadataHeaders
{
    /// <summary>Header fields that belong to HTTP or the gRPC protocol and are never exposed as custom metadata.</summary>
    public static bool IsReserved(string name) =>
        name.StartsWith(':')
        || name.StartsWith("grpc-", StringComparison.OrdinalIgnoreCase)
        || name.Equals("content-type", StringComparison.OrdinalIgnoreCase)
        || name.Equals("te", StringComparison.OrdinalIgnoreCase)
        || name.Equals("content-length", StringComparison.OrdinalIgnoreCase)
        || name.Equals("host", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Adds one received header field. Binary values may arrive joined with ',' and padded or unpadded (the
    /// spec allows both). Values that are not valid metadata are skipped rather than failing the call.
    /// </summary>
    public static void AddReceived(Metadata metadata, string name, string value)
    {
        if (IsReserved(name)) return;
        try
        {
            if (Metadata.IsBinaryKey(name))
            {
                foreach (var part in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                    metadata.Add(name, DecodeBase64(part));
                if (value.Length == 0) metadata.Add(name, []);
            }
            else
            {
                metadata.Add(name, value);
            }
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            // The spec asks receivers not to fail a call for a header value HTTP allows but gRPC does not.
        }
    }

    /// <summary>The header value to send for one entry (binary values base64 without padding).</summary>
    public static string EncodeValue(Metadata.Entry entry) =>
        entry.IsBinary ? Convert.ToBase64String(entry.ValueBytes!).TrimEnd('=') : entry.Value!;

    public static byte[] DecodeBase64(string text)
    {
        var padding = (4 - text.Length % 4) % 4;
        if (padding == 3) throw new FormatException("invalid base64 length");
        return Convert.FromBase64String(padding == 0 ? text : text + new string('=', padding));
    }
}
