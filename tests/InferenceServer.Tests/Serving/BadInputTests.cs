using RbpPipeline.Client;
using RbpPipeline.Contracts.Rbp.V1;
using Grpc.Core;
using RbpPipeline.InferenceServer.Tests.Support;

namespace RbpPipeline.InferenceServer.Tests.Serving;

/// <summary>Every kind of bad request gets the status the API promises, and the server keeps serving afterwards.</summary>
public sealed class BadInputTests : IAsyncLifetime
{
    private readonly TestModelRepository _repo = new();
    private ServingServer _server = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static CallOptions Options => new(cancellationToken: Ct);

    public async ValueTask InitializeAsync()
    {
        _repo.Publish("m", 1);
        _repo.Publish("tracks", 1, new TestModelSpec { WithRegion = true, Length = 12 });
        _server = await ServingServer.StartAsync(_repo, o => o.MaxSequencesPerRequest = 50);
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        _repo.Dispose();
    }

    private static PredictRequest Request(string model = "m", params string[] sequences)
    {
        var request = new PredictRequest { Model = model };
        request.Sequences.AddRange(sequences.Length == 0 ? [new string('A', 20)] : sequences);
        return request;
    }

    public static TheoryData<string, PredictRequest, StatusCode, string> Corpus()
    {
        var good = new string('C', 20);
        var tooMany = Request("m", [.. Enumerable.Repeat(good, 51)]);
        var both = Request("m", good);
        both.Encoded.Add(new EncodedTensor { Name = "sequence", Shape = { 1, 4, 20 }, Values = { new float[80] } });
        var badShape = new PredictRequest { Model = "m", Encoded = { new EncodedTensor { Name = "sequence", Shape = { 1, 4, 19 }, Values = { new float[76] } } } };
        var badCount = new PredictRequest { Model = "m", Encoded = { new EncodedTensor { Name = "sequence", Shape = { 2, 4, 20 }, Values = { new float[80] } } } };
        var unknownInput = new PredictRequest { Model = "m", Encoded = { new EncodedTensor { Name = "shape", Shape = { 1, 4, 20 }, Values = { new float[80] } } } };
        var missingInput = new PredictRequest { Model = "tracks", Encoded = { new EncodedTensor { Name = "sequence", Shape = { 1, 4, 12 }, Values = { new float[48] } } } };
        var ids = Request("m", good, good);
        ids.SequenceIds.Add("only-one");
        return new()
        {
            { "invalid character", Request("m", good, "ACGXACGUACGUACGUACGU"), StatusCode.InvalidArgument, "sequence 1: 'X' (U+0058) at position 3 (0-based) is not a nucleotide" },
            { "wrong length", Request("m", good, "ACGU"), StatusCode.InvalidArgument, "sequence 1 has length 4; model m expects 20 (set allow_resize" },
            { "unknown model", Request("nope"), StatusCode.NotFound, "model 'nope' is not served" },
            { "unknown version", new PredictRequest { Model = "m", Version = 9, Sequences = { good } }, StatusCode.NotFound, "model 'm' has no version 9" },
            { "too many sequences", tooMany, StatusCode.ResourceExhausted, "PredictStream" },
            { "no model", new PredictRequest { Sequences = { good } }, StatusCode.InvalidArgument, "names no model" },
            { "nothing to predict", new PredictRequest { Model = "m" }, StatusCode.InvalidArgument, "no sequences" },
            { "raw and encoded", both, StatusCode.InvalidArgument, "either raw sequences or encoded tensors" },
            { "encoded shape", badShape, StatusCode.InvalidArgument, "expects [batch, 4, 20]" },
            { "encoded value count", badCount, StatusCode.InvalidArgument, "needs 160" },
            { "encoded unknown input", unknownInput, StatusCode.InvalidArgument, "is not an input of model m" },
            { "encoded missing input", missingInput, StatusCode.InvalidArgument, "encoded input 'region' is missing" },
            { "raw sequences for a model with tracks", Request("tracks", new string('A', 12)), StatusCode.InvalidArgument, "send pre-encoded tensors" },
            { "sequence id count", ids, StatusCode.InvalidArgument, "1 sequence ids for 2 sequences" },
            { "negative version", new PredictRequest { Model = "m", Version = -1, Sequences = { good } }, StatusCode.InvalidArgument, "version -1" },
        };
    }

    [Theory]
    [MemberData(nameof(Corpus))]
    public async Task Bad_requests_get_the_right_status_and_the_server_keeps_serving(string description, PredictRequest request,
        StatusCode expected, string detail)
    {
        var e = await Assert.ThrowsAsync<RpcException>(() => _server.Models.PredictAsync(request, Options).ResponseAsync);
        Assert.True(expected == e.StatusCode, $"{description}: {e.StatusCode} {e.Status.Detail}");
        Assert.Contains(detail, e.Status.Detail);
        var ok = await _server.Models.PredictAsync(Request(), Options);
        Assert.Single(ok.Predictions);
    }

    [Fact]
    public async Task Malformed_protobuf_is_refused_and_the_server_keeps_serving()
    {
        // grpc-dotnet parses the message before any handler or interceptor runs and answers UNKNOWN.
        var response = await RawGrpc.SendAsync(_server.Host.Address, "/rbp.v1.ModelService/Predict", RawGrpc.Frame([0xff, 0xff, 0xff, 0x0f, 0x01]), cancellationToken: Ct);
        Assert.Equal("2", response.GrpcStatus);
        Assert.Single((await _server.Models.PredictAsync(Request(), Options)).Predictions);
    }

    [Fact]
    public async Task A_bad_request_in_a_stream_ends_it_with_its_status_naming_the_request()
    {
        using var call = _server.Models.PredictStream(Options);
        var good = Request();
        good.Id = "good";
        await call.RequestStream.WriteAsync(good, Ct);
        var bad = Request("m", "ACGU");
        bad.Id = "bad-one";
        await call.RequestStream.WriteAsync(bad, Ct);
        var e = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            while (await call.ResponseStream.MoveNext(Ct)) { }
        });
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Contains("request 'bad-one'", e.Status.Detail);
        Assert.Single((await _server.Models.PredictAsync(Request(), Options)).Predictions);
    }

    [Fact]
    public async Task Unauthenticated_calls_are_refused_when_a_token_is_configured()
    {
        await using var server = await ServingServer.StartAsync(_repo, configureGrpc: g => g.BearerTokens.Add("s3cret"));
        var e = await Assert.ThrowsAsync<RpcException>(() => server.Models.PredictAsync(Request(), Options).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, e.StatusCode);
        using var channel = ServerConnection.Open(new ServerOptions { Servers = [server.Host.Address.ToString()], BearerToken = "s3cret" });
        Assert.Single((await channel.Models.PredictAsync(Request(), Options)).Predictions);
    }
}

/// <summary>Deadlines and cancellation: a call that waits too long ends with DEADLINE_EXCEEDED and leaves the queue.</summary>
public sealed class DeadlineTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_deadline_passing_in_the_queue_is_deadline_exceeded_and_the_work_is_dropped()
    {
        using var repo = new TestModelRepository();
        repo.Publish("m", 1);
        // A long queue delay keeps a lone request waiting for company well past its deadline.
        await using var server = await ServingServer.StartAsync(repo, o => o.MaxQueueDelay = TimeSpan.FromSeconds(3));
        var request = new PredictRequest { Model = "m", Sequences = { new string('A', 20) } };
        // Connection and first-call warm-up, so the 300 ms deadline below measures the queue, not a cold start.
        await server.Models.ListModelsAsync(new ListModelsRequest(), cancellationToken: Ct);
        var started = DateTime.UtcNow;
        var e = await Assert.ThrowsAsync<RpcException>(() =>
            server.Models.PredictAsync(request, new CallOptions(deadline: DateTime.UtcNow.Add(TimeSpan.FromMilliseconds(300)), cancellationToken: Ct)).ResponseAsync);
        Assert.Equal(StatusCode.DeadlineExceeded, e.StatusCode);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(2.5));
        // The server's timer and the client's own deadline race: the server records whichever ended the call (on a
        // loaded machine that can be seconds later, hence the wait rather than a fixed delay).
        double Ended() =>
            server.MetricAsync("rbp_grpc_requests_total{method=\"rbp.v1.ModelService/Predict\",code=\"DEADLINE_EXCEEDED\"}").GetAwaiter().GetResult()
            + server.MetricAsync("rbp_grpc_requests_total{method=\"rbp.v1.ModelService/Predict\",code=\"CANCELLED\"}").GetAwaiter().GetResult();
        try
        {
            await ServingServer.WaitUntilAsync(() => Ended() >= 1, what: "the server to record the call's end");
        }
        catch (TimeoutException)
        {
            Assert.Fail(string.Join("\n", (await server.MetricsTextAsync()).Split('\n').Where(l => l.StartsWith("rbp_grpc_requests_total", StringComparison.Ordinal) || l.StartsWith("rbp_queue", StringComparison.Ordinal) && !l.Contains("bucket"))));
        }
        await ServingServer.WaitUntilAsync(() => server.MetricAsync("rbp_queue_depth{model=\"m:1\"}").GetAwaiter().GetResult() == 0, what: "the queue to empty");
        // The dropped request never ran: no batch was executed for it, even after the queue delay.
        await Task.Delay(3500, Ct);
        Assert.Equal(0, await server.MetricAsync("rbp_batch_size_count{model=\"m:1\"}"));
        Assert.Equal(1, Ended());
    }
}
