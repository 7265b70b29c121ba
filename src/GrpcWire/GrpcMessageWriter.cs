using System.Buffers;
using System.Buffers.Binary;
using Google.Protobuf;

namespace RbpPipeline.Grpc;

/// <summary>Writes one length-prefixed message, compressed when an encoding other than identity is given.</summary>
public static class GrpcMessageWriter
{
    /// <param name="output">Where the frame goes (a response pipe, or a buffer the client then sends).</param>
    /// <param name="message">The message.</param>
    /// <param name="encoding">null or identity for none; otherwise a supported <c>grpc-encoding</c>.</param>
    /// <param name="maxMessageSize">Largest serialized message allowed; larger ones fail with RESOURCE_EXHAUSTED.</param>
    public static void Write(IBufferWriter<byte> output, IMessage message, string? encoding, int maxMessageSize)
    {
        var size = message.CalculateSize();
        if (size > maxMessageSize)
            throw new RpcException(StatusCode.ResourceExhausted,
                $"Sending message of {size} bytes exceeds the limit of {maxMessageSize} bytes.");
        if (encoding is null or GrpcCompression.Identity)
        {
            var span = output.GetSpan(GrpcProtocol.HeaderLength + size);
            span[0] = 0;
            BinaryPrimitives.WriteUInt32BigEndian(span[1..], (uint)size);
            message.WriteTo(span.Slice(GrpcProtocol.HeaderLength, size));
            output.Advance(GrpcProtocol.HeaderLength + size);
            return;
        }
        var serialized = ArrayPool<byte>.Shared.Rent(size);
        try
        {
            message.WriteTo(serialized.AsSpan(0, size));
            var compressed = GrpcCompression.Compress(serialized.AsSpan(0, size), encoding);
            var span = output.GetSpan(GrpcProtocol.HeaderLength + compressed.Length);
            span[0] = 1;
            BinaryPrimitives.WriteUInt32BigEndian(span[1..], (uint)compressed.Length);
            compressed.CopyTo(span[GrpcProtocol.HeaderLength..]);
            output.Advance(GrpcProtocol.HeaderLength + compressed.Length);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(serialized);
        }
    }
}
