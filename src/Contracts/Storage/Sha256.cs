using System.Security.Cryptography;

namespace RbpPipeline.Contracts.Storage;

/// <summary>SHA-256 digests as lowercase hex, the form manifests store.</summary>
public static class Sha256
{
    /// <summary>Hashes a file by streaming it, so multi-gigabyte checkpoints need no more memory than a buffer.</summary>
    public static string OfFile(string path)
    {
        using var stream = OpenSequential(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    public static async Task<string> OfFileAsync(string path, CancellationToken cancellationToken = default)
    {
        await using var stream = OpenSequential(path);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false));
    }

    public static string OfBytes(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>True for 64 lowercase hex digits, the only spelling manifests accept.</summary>
    public static bool IsDigest(string? value) =>
        value is { Length: 64 } && value.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f');

    private static FileStream OpenSequential(string path) =>
        new(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 20, FileOptions.SequentialScan);
}
