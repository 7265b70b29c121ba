using System.Diagnostics;
using System.IO.Compression;
using Google.Protobuf;
using Grpc.Core;
using RbpPipeline.Client;
using RbpPipeline.InferenceServer.Tests.Echo;
using RbpPipeline.InferenceServer.Tests.Support;

namespace RbpPipeline.InferenceServer.Tests;

/// <summary>Grpc.Net.Client (through our client options) against our server: the four method kinds, status, metadata, deadlines, cancellation, gzip.</summary>
public sealed class ClientCallTests(SharedServer shared)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private TestServer Server => shared.Server;

    [Fact]
    public async Task Unary_call_round_trips_a_message_and_reports_the_peer()
    {
        using var channel = Server.Channel();
        var reply = await TestServer.EchoClient(channel).EchoAsync(new EchoRequest { Message = "hello" },
            cancellationToken: Ct);
        Assert.Equal("hello", reply.Message);
        Assert.StartsWith("ipv4:127.0.0.1:", reply.Peer);
        Assert.False(reply.DeadlineSet);
    }

    [Fact]
    public async Task Server_streaming_delivers_every_reply_in_order_then_status_ok()
    {
        using var channel = Server.Channel();
        using var call = TestServer.EchoClient(channel).Expand(new EchoRequest { Message = "s", Count = 7 },
            cancellationToken: Ct);
        var indices = new List<int>();
        await foreach (var reply in call.ResponseStream.ReadAllAsync(Ct)) indices.Add(reply.Index);
        Assert.Equal(Enumerable.Range(0, 7), indices);
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task Client_streaming_collects_every_request()
    {
        using var channel = Server.Channel();
        using var call = TestServer.EchoClient(channel).Collect(cancellationToken: Ct);
        foreach (var word in new[] { "a", "b", "c" })
            await call.RequestStream.WriteAsync(new EchoRequest { Message = word }, Ct);
        await call.RequestStream.CompleteAsync();
        var reply = await call;
        Assert.Equal("a,b,c", reply.Message);
        Assert.Equal(3, reply.Count);
    }

    [Fact]
    public async Task Bidirectional_streaming_answers_each_request_before_the_next_is_sent()
    {
        using var channel = Server.Channel();
        using var call = TestServer.EchoClient(channel).Chat(cancellationToken: Ct);
        for (var i = 0; i < 5; i++)
        {
            await call.RequestStream.WriteAsync(new EchoRequest { Message = $"m{i}" }, Ct);
            Assert.True(await call.ResponseStream.MoveNext(Ct));
            Assert.Equal($"m{i}", call.ResponseStream.Current.Message);
            Assert.Equal(i, call.ResponseStream.Current.Index);
        }
        await call.RequestStream.CompleteAsync();
        Assert.False(await call.ResponseStream.MoveNext(Ct));
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task Error_status_keeps_code_non_ascii_detail_and_binary_trailers()
    {
        const string detail = "Größe ✓ 100% 日本語 – 'quoted' \"double\"\nnext line";
        using var channel = Server.Channel();
        var e = await Assert.ThrowsAsync<RpcException>(() => TestServer.EchoClient(channel).EchoAsync(new EchoRequest { Fail = new Failure { Code = (int)StatusCode.NotFound, Message = detail } },
            cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, e.StatusCode);
        Assert.Equal(detail, e.Status.Detail);
        Assert.Equal(new byte[] { 0, 1, 2, 255 }, e.Trailers.GetValueBytes("x-failure-bin"));
    }

    [Fact]
    public async Task Streaming_failure_after_messages_arrives_in_trailers_after_the_messages()
    {
        using var channel = Server.Channel();
        using var call = TestServer.EchoClient(channel).Expand(new EchoRequest
        {
            Count = 5, FailAfter = 2, Fail = new Failure { Code = (int)StatusCode.Aborted, Message = "stop" },
        }, cancellationToken: Ct);
        Assert.True(await call.ResponseStream.MoveNext(Ct));
        Assert.True(await call.ResponseStream.MoveNext(Ct));
        var e = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(Ct));
        Assert.Equal(StatusCode.Aborted, e.StatusCode);
        Assert.Equal(StatusCode.Aborted, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task Unhandled_exception_becomes_internal_without_leaking_details_and_is_logged()
    {
        using var channel = Server.Channel();
        var e = await Assert.ThrowsAsync<RpcException>(() => TestServer.EchoClient(channel).EchoAsync(new EchoRequest { ThrowException = true }, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.Internal, e.StatusCode);
        Assert.DoesNotContain(TestEchoService.SecretDetail, e.Status.Detail);
        Assert.Contains(Server.Logs.Entries, x => x.Exception?.Message == TestEchoService.SecretDetail);
        Assert.Equal("after", (await TestServer.EchoClient(channel).EchoAsync(new EchoRequest { Message = "after" },
            cancellationToken: Ct)).Message);
    }

    [Fact]
    public async Task Deadline_ends_a_slow_call_with_deadline_exceeded_and_cancels_the_handler()
    {
        using var channel = Server.Channel();
        var clock = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<RpcException>(() => TestServer.EchoClient(channel).EchoAsync(new EchoRequest { Message = "deadline-csharp", DelayMs = 20_000 },
            deadline: DateTime.UtcNow.Add(TimeSpan.FromMilliseconds(300)), cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.DeadlineExceeded, e.StatusCode);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
        await Server.Echo.WaitForCancellationAsync("deadline-csharp", TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Handler_sees_the_deadline_the_client_sent()
    {
        using var channel = Server.Channel();
        var reply = await TestServer.EchoClient(channel).EchoAsync(new EchoRequest(),
            deadline: DateTime.UtcNow.Add(TimeSpan.FromMinutes(1)), cancellationToken: Ct);
        Assert.True(reply.DeadlineSet);
    }

    [Fact]
    public async Task Cancelling_a_server_stream_reports_cancelled_and_cancels_the_handler()
    {
        using var channel = Server.Channel();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        using var call = TestServer.EchoClient(channel).Expand(new EchoRequest { Message = "cancel-csharp", Count = 1000, DelayMs = 20 },
            cancellationToken: cts.Token);
        Assert.True(await call.ResponseStream.MoveNext(Ct));
        await cts.CancelAsync();
        var e = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            for (var i = 0; i < 1000 && await call.ResponseStream.MoveNext(Ct); i++) { }
        });
        Assert.Equal(StatusCode.Cancelled, e.StatusCode);
        await Server.Echo.WaitForCancellationAsync("cancel-csharp", TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Disposing_a_bidirectional_call_resets_the_stream_and_the_handler_sees_it()
    {
        using var channel = Server.Channel();
        var call = TestServer.EchoClient(channel).Chat(cancellationToken: Ct);
        await call.RequestStream.WriteAsync(new EchoRequest { Message = "dispose-csharp" }, Ct);
        Assert.True(await call.ResponseStream.MoveNext(Ct));
        call.Dispose();
        Assert.Equal(StatusCode.Cancelled, call.GetStatus().StatusCode);
        await Server.Echo.WaitForCancellationAsync("dispose-csharp", TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Ascii_and_binary_metadata_travel_both_ways()
    {
        using var channel = Server.Channel();
        var headers = new Metadata { { "x-ascii", "plain value" }, { "x-data-bin", new byte[] { 0, 128, 255, 1, 2 } } };
        using var call = TestServer.EchoClient(channel).EchoAsync(new EchoRequest { EchoMetadata = true },
            headers: headers, cancellationToken: Ct);
        var reply = await call;
        Assert.Contains("x-ascii", reply.MetadataKeys);
        Assert.Contains("x-data-bin", reply.MetadataKeys);
        var responseHeaders = await call.ResponseHeadersAsync;
        Assert.Equal("plain value", responseHeaders.GetValue("x-ascii"));
        Assert.Equal(new byte[] { 0, 128, 255, 1, 2 }, responseHeaders.GetValueBytes("x-data-bin"));
        Assert.Equal(new byte[] { 0, 128, 255, 1, 2 }, call.GetTrailers().GetValueBytes("x-data-bin"));
        Assert.Equal("plain value", call.GetTrailers().GetValue("x-ascii"));
    }

    [Theory]
    [InlineData("gzip")]
    [InlineData("deflate")]
    public async Task Compressed_requests_are_read_and_answered_compressed(string encoding)
    {
        // Grpc.Net.Client compresses with gzip only; deflate is sent by hand below.
        using var channel = Server.Channel(new ServerOptions { Gzip = true });
        var payload = ByteString.CopyFrom(new byte[300_000]);
        var reply = await TestServer.EchoClient(channel).EchoAsync(new EchoRequest { Message = encoding, Payload = payload },
            cancellationToken: Ct);
        Assert.Equal(payload, reply.Payload);

        // On the wire: the server answers in kind, with the compressed flag set on the message.
        var raw = await RawGrpc.SendAsync(Server.Address, EchoMethods.Echo,
            RawGrpc.Frame(Compress(new EchoRequest { ReplyPayloadSize = 100_000 }.ToByteArray(), encoding), 1),
            [("grpc-encoding", encoding), ("grpc-accept-encoding", "identity," + encoding)], cancellationToken: Ct);
        Assert.Equal("0", raw.GrpcStatus);
        Assert.Equal(encoding, raw.Header("grpc-encoding"));
        var frame = Assert.Single(RawGrpc.ParseFrames(raw.Body));
        Assert.Equal(1, frame.Flag);
        Assert.True(frame.Payload.Length < 10_000, $"compressed reply of {frame.Payload.Length} bytes");
    }

    [Fact]
    public async Task Compressed_server_and_client_streams_work()
    {
        using var channel = Server.Channel(new ServerOptions { Gzip = true });
        using var call = TestServer.EchoClient(channel).Chat(cancellationToken: Ct);
        for (var i = 0; i < 3; i++)
        {
            await call.RequestStream.WriteAsync(new EchoRequest { Message = $"z{i}", ReplyPayloadSize = 50_000 }, Ct);
            Assert.True(await call.ResponseStream.MoveNext(Ct));
            Assert.Equal(50_000, call.ResponseStream.Current.Payload.Length);
        }
        await call.RequestStream.CompleteAsync();
        Assert.False(await call.ResponseStream.MoveNext(Ct));
    }

    [Fact]
    public async Task Request_over_the_server_limit_is_resource_exhausted_and_the_server_keeps_serving()
    {
        using var channel = Server.Channel();
        var e = await Assert.ThrowsAsync<RpcException>(() => TestServer.EchoClient(channel).EchoAsync(new EchoRequest { Payload = ByteString.CopyFrom(new byte[2 * 1024 * 1024]) }, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.ResourceExhausted, e.StatusCode);
        Assert.Equal("ok", (await TestServer.EchoClient(channel).EchoAsync(new EchoRequest { Message = "ok" },
            cancellationToken: Ct)).Message);
    }

    [Fact]
    public async Task Compressed_request_that_inflates_past_the_limit_is_resource_exhausted()
    {
        using var channel = Server.Channel(new ServerOptions { Gzip = true });
        var e = await Assert.ThrowsAsync<RpcException>(() => TestServer.EchoClient(channel).EchoAsync(new EchoRequest { Payload = ByteString.CopyFrom(new byte[3 * 1024 * 1024]) }, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.ResourceExhausted, e.StatusCode);
    }

    [Fact]
    public async Task Response_over_the_client_limit_is_resource_exhausted()
    {
        using var channel = Server.Channel(new ServerOptions { MaxReceiveMessageSize = 1000 });
        var e = await Assert.ThrowsAsync<RpcException>(() => TestServer.EchoClient(channel).EchoAsync(new EchoRequest { ReplyPayloadSize = 5000 }, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.ResourceExhausted, e.StatusCode);
    }

    [Fact]
    public async Task Request_over_the_client_send_limit_fails_before_sending()
    {
        using var channel = Server.Channel(new ServerOptions { MaxSendMessageSize = 100 });
        var e = await Assert.ThrowsAsync<RpcException>(() => TestServer.EchoClient(channel).EchoAsync(new EchoRequest { Payload = ByteString.CopyFrom(new byte[500]) }, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.ResourceExhausted, e.StatusCode);
    }

    [Fact]
    public async Task Unknown_method_and_unknown_service_are_unimplemented()
    {
        using var channel = Server.Channel();
        var e = await Assert.ThrowsAsync<RpcException>(() => new Echo.UnboundService.UnboundServiceClient(channel.Invoker).NothingAsync(
            new Google.Protobuf.WellKnownTypes.Empty(), cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.Unimplemented, e.StatusCode);

        var raw = await RawGrpc.SendAsync(Server.Address, "/rbp.test.echo.v1.EchoService/NoSuchMethod", RawGrpc.Frame([]),
            cancellationToken: Ct);
        Assert.Equal("12", raw.GrpcStatus);
    }

    [Fact]
    public async Task Trailers_only_error_reaches_response_headers_and_status()
    {
        using var channel = Server.Channel();
        using var call = TestServer.EchoClient(channel).Expand(new EchoRequest { Count = 3, Fail = new Failure { Code = (int)StatusCode.PermissionDenied, Message = "no" } },
            cancellationToken: Ct);
        var e = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(Ct));
        Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
        Assert.Equal("no", e.Status.Detail);
    }

    [Fact]
    public async Task Many_concurrent_calls_on_one_channel_all_succeed()
    {
        using var channel = Server.Channel();
        var calls = Enumerable.Range(0, 200).Select(i => TestServer.EchoClient(channel).EchoAsync(new EchoRequest { Message = $"c{i}", DelayMs = 20 }, cancellationToken: Ct).ResponseAsync);
        var replies = await Task.WhenAll(calls);
        Assert.Equal(Enumerable.Range(0, 200).Select(i => $"c{i}"), replies.Select(r => r.Message));
    }

    private static byte[] Compress(byte[] data, string encoding)
    {
        using var buffer = new MemoryStream();
        using (Stream compressor = encoding == "gzip" ? new GZipStream(buffer, CompressionLevel.Fastest) : new ZLibStream(buffer, CompressionLevel.Fastest))
            compressor.Write(data);
        return buffer.ToArray();
    }
}
