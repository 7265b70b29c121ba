using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;

namespace RbpPipeline.InferenceServer.Tests.Support;

/// <summary>Hand-made gRPC requests over plain HttpClient h2c, for what a well-behaved client never sends.</summary>
public static class RawGrpc
{
    public sealed record Response(HttpStatusCode HttpStatus, HttpResponseHeaders Headers, string? ContentType,
        byte[] Body, HttpResponseHeaders Trailers)
    {
        public string? Header(string name) => Headers.TryGetValues(name, out var v) ? v.First() : null;

        public string? Trailer(string name) => Trailers.TryGetValues(name, out var v) ? v.First() : null;

        /// <summary>grpc-status from trailers, or from the headers of a trailers-only response.</summary>
        public string? GrpcStatus => Trailer("grpc-status") ?? Header("grpc-status");
    }

    public static byte[] Frame(IMessage message, byte flag = 0) => Frame(message.ToByteArray(), flag);

    public static byte[] Frame(byte[] payload, byte flag = 0, uint? declaredLength = null)
    {
        var frame = new byte[5 + payload.Length];
        frame[0] = flag;
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), declaredLength ?? (uint)payload.Length);
        payload.CopyTo(frame, 5);
        return frame;
    }

    public static async Task<Response> SendAsync(Uri address, string path, byte[] body,
        IEnumerable<(string Name, string Value)>? headers = null, string contentType = "application/grpc",
        CancellationToken cancellationToken = default)
    {
        using var client = new HttpClient { DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact, Timeout = TimeSpan.FromSeconds(30) };
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(address, path))
        {
            Content = new ByteArrayContent(body),
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Content.Headers.TryAddWithoutValidation("content-type", contentType);
        request.Headers.TryAddWithoutValidation("te", "trailers");
        foreach (var (name, value) in headers ?? []) request.Headers.TryAddWithoutValidation(name, value);
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        return new Response(response.StatusCode, response.Headers, response.Content.Headers.ContentType?.MediaType, bytes,
            response.TrailingHeaders);
    }

    /// <summary>Splits a response body into (compressed flag, payload) frames.</summary>
    public static List<(byte Flag, byte[] Payload)> ParseFrames(byte[] body)
    {
        var frames = new List<(byte, byte[])>();
        var offset = 0;
        while (offset + 5 <= body.Length)
        {
            var length = (int)BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(offset + 1));
            frames.Add((body[offset], body.AsSpan(offset + 5, length).ToArray()));
            offset += 5 + length;
        }
        Assert.Equal(body.Length, offset);
        return frames;
    }
}
