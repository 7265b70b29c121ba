using Grpc.Core;
using Grpc.Net.Client;
using RbpPipeline.Contracts.Rbp.V1;
using RbpPipeline.InferenceServer.Hosting;

namespace RbpPipeline.InferenceServer.Tests.Serving;

/// <summary>
/// Interpretation requests are bounded before any work starts: negative counts are INVALID_ARGUMENT, counts over the
/// configured limits RESOURCE_EXHAUSTED, each message naming the field, the value and the limit (through the
/// Grpc.Net.Client generated client, as a user's program would call).
/// </summary>
public sealed class InterpretationLimitTests : IAsyncLifetime
{
    private readonly TestModelRepository _repo = new();
    private ServingServer _server = null!;
    private GrpcChannel _channel = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _repo.Publish("m", 1);
        _server = await ServingServer.StartAsync(_repo, o => o.Interpretation = new InterpretationLimits
        {
            MaxSteps = 200,
            MaxBaselineSamples = 20,
            MaxBackgrounds = 500,
            MaxKmers = 256,
            MaxEvaluations = 100_000,
        });
        _channel = GrpcChannel.ForAddress(_server.Host.Address);
    }

    public async ValueTask DisposeAsync()
    {
        _channel.Dispose();
        await _server.DisposeAsync();
        _repo.Dispose();
    }

    private static SequenceBatch Sequences(int count) =>
        new() { Sequences = { Enumerable.Range(0, count).Select(i => string.Concat(Enumerable.Range(0, 20).Select(p => "ACGU"[(i * 7 + p * 3) % 4]))) } };

    private static Target Bound => new() { Weights = { ["bound"] = 1 } };

    private static AttributeRequest Attribute(Action<AttributeRequest> change)
    {
        var request = new AttributeRequest { Model = "m", Method = AttributionMethod.IntegratedGradients, Inputs = Sequences(2), Target = Bound };
        change(request);
        return request;
    }

    private static GlobalImportanceRequest Gia(Action<GlobalImportanceRequest> change)
    {
        var request = new GlobalImportanceRequest
        {
            Model = "m",
            Target = Bound,
            Background = new Background { Kind = Background.Types.Kind.Shuffle, Count = 10, Reference = Sequences(10) },
            KmerScan = new KmerScanExperiment { K = 2, Position = 5 },
        };
        change(request);
        return request;
    }

    private static readonly Dictionary<string, (AttributeRequest Request, StatusCode Code, string[] Named)> AttributeCases = new()
    {
        ["negative steps"] = (Attribute(r => r.Steps = -5), StatusCode.InvalidArgument, ["steps is -5", "must not be negative"]),
        ["steps over the limit"] = (Attribute(r => r.Steps = 10_000_000), StatusCode.ResourceExhausted, ["steps is 10000000", "limit is 200", "--max-ig-steps"]),
        ["negative samples"] = (Attribute(r => r.Baseline = new Baseline { Kind = Baseline.Types.Kind.Shuffle, Samples = -1 }), StatusCode.InvalidArgument, ["baseline.samples is -1"]),
        ["samples over the limit"] = (Attribute(r => r.Baseline = new Baseline { Kind = Baseline.Types.Kind.Shuffle, Samples = 1_000_000 }), StatusCode.ResourceExhausted, ["baseline.samples is 1000000", "limit is 20", "--max-baseline-samples"]),
        ["negative sequences per response"] = (Attribute(r => r.SequencesPerResponse = -3), StatusCode.InvalidArgument, ["sequences_per_response is -3"]),
        ["sequences × steps over the limit"] = (Attribute(r => { r.Inputs = Sequences(1000); r.Steps = 200; }), StatusCode.ResourceExhausted, ["202000 model evaluations", "1000 sequences", "limit is 100000", "--max-evaluations"]),
    };

    public static TheoryData<string> AttributeCaseNames => [.. AttributeCases.Keys];

    public static TheoryData<string> GiaCaseNames => [.. GiaCases.Keys];

    [Theory]
    [MemberData(nameof(AttributeCaseNames))]
    public async Task Attribute_requests_are_bounded_up_front(string description)
    {
        var (request, code, named) = AttributeCases[description];
        var client = new InterpretationService.InterpretationServiceClient(_channel);
        using var call = client.Attribute(request, cancellationToken: Ct);
        var e = await Assert.ThrowsAsync<RpcException>(async () => await call.ResponseStream.MoveNext(Ct));
        Assert.True(code == e.StatusCode, $"{description}: {e.StatusCode} {e.Status.Detail}");
        foreach (var text in named) Assert.Contains(text, e.Status.Detail);
    }

    private static readonly Dictionary<string, (GlobalImportanceRequest Request, StatusCode Code, string[] Named)> GiaCases = new()
    {
        ["negative background count"] = (Gia(r => r.Background.Count = -2), StatusCode.InvalidArgument, ["background.count is -2"]),
        ["backgrounds over the limit"] = (Gia(r => r.Background.Count = 1_000_000), StatusCode.ResourceExhausted, ["background.count is 1000000", "limit is 500", "--max-backgrounds"]),
        ["negative k"] = (Gia(r => r.KmerScan.K = -1), StatusCode.InvalidArgument, ["kmer_scan.k is -1"]),
        ["k-mers over the limit"] = (Gia(r => r.KmerScan.K = 6), StatusCode.ResourceExhausted, ["kmer_scan.k 6", "4096 k-mers", "limit is 256", "--max-kmers"]),
        ["negative top"] = (Gia(r => r.KmerScan.Top = -1), StatusCode.InvalidArgument, ["kmer_scan.top is -1"]),
        ["backgrounds × k-mers over the limit"] = (Gia(r => { r.Background.Count = 500; r.KmerScan.K = 4; }), StatusCode.ResourceExhausted, ["128500 model evaluations", "--max-evaluations"]),
    };

    [Theory]
    [MemberData(nameof(GiaCaseNames))]
    public async Task Global_importance_requests_are_bounded_up_front(string description)
    {
        var (request, code, named) = GiaCases[description];
        var client = new InterpretationService.InterpretationServiceClient(_channel);
        using var call = client.GlobalImportance(request, cancellationToken: Ct);
        var e = await Assert.ThrowsAsync<RpcException>(async () => await call.ResponseStream.MoveNext(Ct));
        Assert.True(code == e.StatusCode, $"{description}: {e.StatusCode} {e.Status.Detail}");
        foreach (var text in named) Assert.Contains(text, e.Status.Detail);
    }

    [Fact]
    public async Task Requests_within_the_limits_run()
    {
        var client = new InterpretationService.InterpretationServiceClient(_channel);
        using var call = client.Attribute(Attribute(r => r.Steps = 20), cancellationToken: Ct);
        var attributions = 0;
        await foreach (var response in call.ResponseStream.ReadAllAsync(Ct)) attributions += response.Attributions.Count;
        Assert.Equal(2, attributions);
    }
}
