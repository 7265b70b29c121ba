using System.Buffers;
using System.IO.Compression;

namespace RbpPipeline.Grpc;

/// <summary>
/// Message compression by name (<c>grpc-encoding</c>). Each message is compressed on its own: the spec keeps
/// no compression context across message boundaries.
/// </summary>
public static class GrpcCompression
{
    public const string Identity = "identity";
    public const string Gzip = "gzip";
    public const string Deflate = "deflate";

    /// <summary>The value of <c>grpc-accept-encoding</c> we send: every encoding we can read.</summary>
    public const string AcceptEncoding = "identity,gzip,deflate";

    public static bool IsSupported(string encoding) =>
        encoding is Identity or Gzip or Deflate;

    /// <summary>True when <paramref name="acceptEncodingHeader"/> (a comma-separated list) names the encoding.</summary>
    public static bool Accepts(string? acceptEncodingHeader, string encoding)
    {
        if (string.IsNullOrEmpty(acceptEncodingHeader)) return false;
        foreach (var part in acceptEncodingHeader.Split(',', StringSplitOptions.TrimEntries))
            if (part.Equals(encoding, StringComparison.OrdinalIgnoreCase)) return true;
        return false;
    }

    public static byte[] Compress(ReadOnlySpan<byte> data, string encoding)
    {
        using var output = new MemoryStream(Math.Max(64, data.Length / 2));
        using (var compressor = CreateCompressor(output, encoding))
            compressor.Write(data);
        return output.ToArray();
    }

    /// <summary>Decompresses one message, failing with RESOURCE_EXHAUSTED as soon as it grows past the limit.</summary>
    public static byte[] Decompress(ReadOnlySequence<byte> data, string encoding, int maxLength)
    {
        using var input = new SequenceStream(data);
        using var decompressor = CreateDecompressor(input, encoding);
        using var output = new MemoryStream();
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            int read;
            while ((read = decompressor.Read(buffer)) > 0)
            {
                if (output.Length + read > maxLength)
                    throw new RpcException(StatusCode.ResourceExhausted,
                        $"Decompressed message exceeds the maximum message size of {maxLength} bytes.");
                output.Write(buffer, 0, read);
            }
        }
        catch (InvalidDataException e)
        {
            throw new RpcException(new Status(StatusCode.Internal, $"Could not decompress a {encoding} message."), innerException: e);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        return output.ToArray();
    }

    private static Stream CreateCompressor(Stream output, string encoding) => encoding switch
    {
        Gzip => new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true),
        Deflate => new ZLibStream(output, CompressionLevel.Fastest, leaveOpen: true),
        _ => throw new ArgumentException($"unsupported message encoding '{encoding}'", nameof(encoding)),
    };

    // grpc's "deflate" is the zlib format (RFC 1950), as in HTTP's Content-Encoding.
    private static Stream CreateDecompressor(Stream input, string encoding) => encoding switch
    {
        Gzip => new GZipStream(input, CompressionMode.Decompress),
        Deflate => new ZLibStream(input, CompressionMode.Decompress),
        _ => throw new ArgumentException($"unsupported message encoding '{encoding}'", nameof(encoding)),
    };

    /// <summary>A read-only stream over a buffer sequence, so decompression needs no copy of the input.</summary>
    private sealed class SequenceStream(ReadOnlySequence<byte> sequence) : Stream
    {
        private ReadOnlySequence<byte> _remaining = sequence;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var n = (int)Math.Min(buffer.Length, _remaining.Length);
            _remaining.Slice(0, n).CopyTo(buffer);
            _remaining = _remaining.Slice(n);
            return n;
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
