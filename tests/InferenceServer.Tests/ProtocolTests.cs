using Google.Protobuf;
using Grpc.Core;
using RbpPipeline.Client;
using RbpPipeline.InferenceServer.Tests.Echo;
using RbpPipeline.InferenceServer.Tests.Support;

namespace RbpPipeline.InferenceServer.Tests;

/// <summary>
/// What a well-behaved client never sends, written by hand over HttpClient h2c: malformed frames, bad headers,
/// server-side deadlines. After each, the server must still serve.
/// </summary>
public sealed class ProtocolTests(SharedServer shared)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private TestServer Server => shared.Server;

    private static readonly byte[] HelloFrame = RawGrpc.Frame(new EchoRequest { Message = "hello" });

    [Fact]
    public async Task Well_formed_raw_call_has_headers_one_message_and_status_in_trailers()
    {
        var response = await RawGrpc.SendAsync(Server.Address, EchoMethods.Echo, HelloFrame, cancellationToken: Ct);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.HttpStatus);
        Assert.Equal("application/grpc", response.ContentType);
        Assert.Null(response.Header("grpc-status"));
        Assert.Equal("0", response.Trailer("grpc-status"));
        var frame = Assert.Single(RawGrpc.ParseFrames(response.Body));
        Assert.Equal("hello", EchoReply.Parser.ParseFrom(frame.Payload).Message);
    }

    [Fact]
    public async Task Error_before_any_message_is_a_trailers_only_response()
    {
        var request = new EchoRequest { Fail = new Failure { Code = (int)StatusCode.FailedPrecondition, Message = "nö 100%" } };
        var response = await RawGrpc.SendAsync(Server.Address, EchoMethods.Echo, RawGrpc.Frame(request),
            cancellationToken: Ct);
        Assert.Equal("9", response.Header("grpc-status"));
        Assert.Equal("n%C3%B6 100%25", response.Header("grpc-message"));
        Assert.Equal("application/grpc", response.ContentType);
        Assert.Empty(response.Body);
        Assert.Empty(response.Trailers);
    }

    public static TheoryData<string, byte[], string, string?> MalformedRequests => new()
    {
        // The codes are grpc-dotnet's: what it cannot parse (frame, flag, compression, protobuf) is UNKNOWN or INTERNAL.
        { "truncated frame", RawGrpc.Frame(new byte[] { 10, 3 }, declaredLength: 40), "13", null },
        { "truncated header", new byte[] { 0, 0, 0 }, "13", null },
        { "length prefix over the limit", RawGrpc.Frame(new byte[] { 1 }, declaredLength: 2 * 1024 * 1024), "8", null },
        { "compressed flag without grpc-encoding", RawGrpc.Frame(new EchoRequest { Message = "x" }, flag: 1), "13", null },
        { "invalid compressed flag", RawGrpc.Frame(new EchoRequest { Message = "x" }, flag: 7), "2", null },
        { "garbage protobuf", RawGrpc.Frame(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF }), "2", null },
        { "no request message", [], "13", null },
        { "two request messages", [.. HelloFrame, .. HelloFrame], "13", null },
        { "corrupt gzip payload", RawGrpc.Frame(new byte[] { 1, 2, 3, 4 }, flag: 1), "2", "gzip" },
    };

    [Theory]
    [MemberData(nameof(MalformedRequests))]
    public async Task Malformed_requests_get_the_right_status_and_the_server_keeps_serving(
        string description, byte[] body, string expectedStatus, string? encoding)
    {
        var headers = encoding is null ? [] : new[] { ("grpc-encoding", encoding) };
        var response = await RawGrpc.SendAsync(Server.Address, EchoMethods.Echo, body, headers, cancellationToken: Ct);
        Assert.True(expectedStatus == response.GrpcStatus, $"{description}: grpc-status {response.GrpcStatus}, message {response.Header("grpc-message")}");
        using var channel = Server.Channel();
        Assert.Equal("still", (await TestServer.EchoClient(channel).EchoAsync(new EchoRequest { Message = "still" },
            cancellationToken: Ct)).Message);
    }

    [Fact]
    public async Task Unsupported_grpc_encoding_is_unimplemented_and_lists_accepted_encodings()
    {
        var response = await RawGrpc.SendAsync(Server.Address, EchoMethods.Echo, RawGrpc.Frame(new EchoRequest { Message = "x" }, flag: 1),
            [("grpc-encoding", "snappy")], cancellationToken: Ct);
        Assert.Equal("12", response.GrpcStatus);
        Assert.Contains("gzip", response.Header("grpc-accept-encoding") ?? response.Trailer("grpc-accept-encoding") ?? response.Header("grpc-message"));
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/json")]
    [InlineData("application/grpc-web")]
    public async Task Non_grpc_content_type_gets_http_415(string contentType)
    {
        var response = await RawGrpc.SendAsync(Server.Address, EchoMethods.Echo, HelloFrame,
            contentType: contentType, cancellationToken: Ct);
        Assert.Equal(System.Net.HttpStatusCode.UnsupportedMediaType, response.HttpStatus);
    }

    [Theory]
    [InlineData("application/grpc+proto")]
    [InlineData("application/GRPC")]
    public async Task Protobuf_content_types_are_accepted(string contentType)
    {
        var response = await RawGrpc.SendAsync(Server.Address, EchoMethods.Echo, HelloFrame,
            contentType: contentType, cancellationToken: Ct);
        Assert.Equal("0", response.GrpcStatus);
    }

    [Theory]
    [InlineData("1H", false)]
    [InlineData("2M", false)]
    [InlineData("30S", false)]
    [InlineData("200m", true)]
    [InlineData("200000u", true)]
    [InlineData("99999999n", true)]
    public async Task Server_enforces_grpc_timeout_in_every_unit(string timeout, bool expires)
    {
        var request = new EchoRequest { Message = "t", DelayMs = expires ? 20_000 : 0 };
        var response = await RawGrpc.SendAsync(Server.Address, EchoMethods.Echo, RawGrpc.Frame(request),
            [("grpc-timeout", timeout)], cancellationToken: Ct);
        if (expires)
        {
            Assert.Equal("4", response.GrpcStatus);
        }
        else
        {
            Assert.Equal("0", response.GrpcStatus);
            Assert.True(EchoReply.Parser.ParseFrom(RawGrpc.ParseFrames(response.Body)[0].Payload).DeadlineSet);
        }
    }

    [Fact]
    public async Task Server_deadline_on_a_stream_ends_it_after_the_messages_already_sent()
    {
        var request = new EchoRequest { Message = "deadline-stream", Count = 1000, DelayMs = 50 };
        var response = await RawGrpc.SendAsync(Server.Address, EchoMethods.Expand, RawGrpc.Frame(request),
            [("grpc-timeout", "300m")], cancellationToken: Ct);
        Assert.Equal("4", response.Trailer("grpc-status"));
        var frames = RawGrpc.ParseFrames(response.Body);
        Assert.InRange(frames.Count, 1, 20);
        await Server.Echo.WaitForCancellationAsync("deadline-stream", TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Method_path_with_dots_is_routed_to_grpc_not_to_a_static_file_fallback()
    {
        var response = await RawGrpc.SendAsync(Server.Address, "/rbp.test.echo.v1.EchoService/Ping",
            RawGrpc.Frame(new Google.Protobuf.WellKnownTypes.Empty()), cancellationToken: Ct);
        Assert.Equal("0", response.GrpcStatus);
    }

    [Fact]
    public async Task Large_messages_split_across_many_data_frames_are_reassembled()
    {
        using var channel = Server.Channel();
        var payload = ByteString.CopyFrom(Enumerable.Range(0, 900_000).Select(i => (byte)(i * 7)).ToArray());
        var reply = await TestServer.EchoClient(channel).EchoAsync(new EchoRequest { Payload = payload },
            cancellationToken: Ct);
        Assert.Equal(payload, reply.Payload);
    }
}
