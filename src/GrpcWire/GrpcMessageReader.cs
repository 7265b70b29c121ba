using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using Google.Protobuf;

namespace RbpPipeline.Grpc;

/// <summary>
/// Reads length-prefixed messages (1-byte compressed flag, 4-byte big-endian length, payload) from a body.
/// Frames may be split across or packed into DATA frames arbitrarily; the pipe buffers until one is whole.
/// </summary>
public sealed class GrpcMessageReader
{
    private readonly PipeReader _input;
    private readonly int _maxMessageSize;
    private readonly string? _encoding;
    private readonly StatusCode _malformedMessageCode;

    /// <param name="input">The body.</param>
    /// <param name="maxMessageSize">Largest message accepted, before and after decompression.</param>
    /// <param name="encoding">The peer's <c>grpc-encoding</c>, null or identity when it sends none.</param>
    /// <param name="malformedMessageCode">
    /// The status for a payload that is not a valid message: INVALID_ARGUMENT for requests (the client's fault),
    /// INTERNAL for responses.
    /// </param>
    public GrpcMessageReader(PipeReader input, int maxMessageSize, string? encoding, StatusCode malformedMessageCode)
    {
        _input = input;
        _maxMessageSize = maxMessageSize;
        _encoding = encoding is null or GrpcCompression.Identity ? null : encoding;
        _malformedMessageCode = malformedMessageCode;
    }

    /// <summary>Whether the last message read had its compressed flag set (for tests and diagnostics).</summary>
    public bool LastMessageWasCompressed { get; private set; }

    /// <summary>The next message, or null when the body ended cleanly between messages.</summary>
    public async ValueTask<T?> ReadMessageAsync<T>(MessageParser<T> parser, CancellationToken cancellationToken)
        where T : IMessage<T>
    {
        while (true)
        {
            var result = await _input.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (buffer.Length >= GrpcProtocol.HeaderLength)
            {
                var (compressed, length) = ReadHeader(buffer);
                if (buffer.Length - GrpcProtocol.HeaderLength >= length)
                {
                    var payload = buffer.Slice(GrpcProtocol.HeaderLength, length);
                    try
                    {
                        LastMessageWasCompressed = compressed;
                        return Parse(parser, payload, compressed);
                    }
                    finally
                    {
                        _input.AdvanceTo(payload.End);
                    }
                }
            }
            if (result.IsCompleted)
            {
                _input.AdvanceTo(buffer.End);
                if (buffer.Length == 0) return default;
                throw new RpcException(StatusCode.Internal, "Incomplete message: the stream ended inside a length-prefixed message.");
            }
            if (result.IsCanceled) throw new OperationCanceledException("The read was canceled.");
            _input.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    private (bool Compressed, long Length) ReadHeader(ReadOnlySequence<byte> buffer)
    {
        Span<byte> header = stackalloc byte[GrpcProtocol.HeaderLength];
        buffer.Slice(0, GrpcProtocol.HeaderLength).CopyTo(header);
        var flag = header[0];
        var length = BinaryPrimitives.ReadUInt32BigEndian(header[1..]);
        string? failure = null;
        var code = StatusCode.Internal;
        if (flag > 1)
            failure = $"Invalid compressed flag {flag} in a message header.";
        else if (flag == 1 && _encoding is null)
            failure = "A message has the compressed flag set but the peer sent no grpc-encoding.";
        else if (length > _maxMessageSize)
            (failure, code) = ($"Received message of {length} bytes exceeds the limit of {_maxMessageSize} bytes.", StatusCode.ResourceExhausted);
        if (failure is not null)
        {
            _input.AdvanceTo(buffer.Start, buffer.End);
            throw new RpcException(code, failure);
        }
        return (flag == 1, length);
    }

    private T Parse<T>(MessageParser<T> parser, ReadOnlySequence<byte> payload, bool compressed) where T : IMessage<T>
    {
        try
        {
            return compressed
                ? parser.ParseFrom(GrpcCompression.Decompress(payload, _encoding!, _maxMessageSize))
                : parser.ParseFrom(payload);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new RpcException(new Status(_malformedMessageCode, $"Failed to deserialize the message: {e.Message}"),
                innerException: e);
        }
    }
}
