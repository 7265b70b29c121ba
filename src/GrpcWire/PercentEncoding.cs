using System.Text;

namespace RbpPipeline.Grpc;

/// <summary>
/// The percent-encoding of <c>grpc-message</c>: UTF-8 bytes, with everything outside printable ASCII and '%'
/// itself written as %XX. HTTP/2 servers (Kestrel among them) reject non-ASCII header values otherwise.
/// </summary>
public static class PercentEncoding
{
    public static string Encode(string text)
    {
        if (!NeedsEncoding(text)) return text;
        var bytes = Encoding.UTF8.GetBytes(text);
        var sb = new StringBuilder(bytes.Length * 3);
        foreach (var b in bytes)
        {
            if (b is >= 0x20 and <= 0x7E && b != (byte)'%') sb.Append((char)b);
            else sb.Append('%').Append(Convert.ToHexString([b]));
        }
        return sb.ToString();
    }

    /// <summary>Decodes valid %XX sequences and leaves broken ones as they are (the spec forbids failing here).</summary>
    public static string Decode(string text)
    {
        if (!text.Contains('%')) return text;
        var bytes = new List<byte>(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '%' && i + 2 < text.Length && IsHex(text[i + 1]) && IsHex(text[i + 2]))
            {
                bytes.Add(Convert.ToByte(text.Substring(i + 1, 2), 16));
                i += 2;
            }
            else if (c <= 0x7F)
            {
                bytes.Add((byte)c);
            }
            else
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(c.ToString()));
            }
        }
        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    private static bool NeedsEncoding(string text)
    {
        foreach (var c in text)
            if (c is < ' ' or > '~' or '%') return true;
        return false;
    }

    private static bool IsHex(char c) => c is >= '0' and <= '9' or >= 'a' and <= 'f' or >= 'A' and <= 'F';
}
