using System.Runtime.InteropServices;
using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using RbpPipeline.Client;
using RbpPipeline.Contracts.SequenceEncoding;
using Grpc.Core;
using RbpPipeline.InferenceServer.KServe.V2;

namespace RbpPipeline.InferenceServer.Tests.Serving;

/// <summary>The KServe v2 subset from our C# client and from python3-grpcio, against in-process ONNX Runtime.</summary>
public sealed class KServeTests : IAsyncLifetime
{
    private readonly TestModelRepository _repo = new();
    private ServingServer _server = null!;
    private float[] _input = [];
    private Dictionary<string, float[]> _expected = [];
    private const int Batch = 5;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static CallOptions Options => new(cancellationToken: Ct);

    public async ValueTask InitializeAsync()
    {
        _repo.Publish("m", 1);
        _repo.Publish("m", 2, new TestModelSpec { Seed = 5 });
        _server = await ServingServer.StartAsync(_repo);
        var random = new Random(11);
        var sequences = Enumerable.Range(0, Batch).Select(_ => PredictTests.RandomSequence(random, 20)).ToList();
        _input = new SequenceEncoder(TestModelRepository.Encoding(new TestModelSpec())).EncodeBatch(sequences);
        using var oracle = new InProcessModel(_repo.VersionFolder("m", 2));
        _expected = oracle.Run([new EncodedTensor("sequence", Nucleotides.ChannelNames, 20, _input)]);
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        _repo.Dispose();
    }

    private ModelInferRequest Typed()
    {
        var request = new ModelInferRequest { ModelName = "m", Id = "typed" };
        request.Inputs.Add(new ModelInferRequest.Types.InferInputTensor
        {
            Name = "sequence", Datatype = "FP32", Shape = { Batch, 4, 20 },
            Contents = new InferTensorContents { Fp32Contents = { _input } },
        });
        return request;
    }

    private ModelInferRequest Raw()
    {
        var request = new ModelInferRequest { ModelName = "m", ModelVersion = "2", Id = "raw" };
        request.Inputs.Add(new ModelInferRequest.Types.InferInputTensor { Name = "sequence", Datatype = "FP32", Shape = { Batch, 4, 20 } });
        request.RawInputContents.Add(ByteString.CopyFrom(MemoryMarshal.AsBytes(_input.AsSpan())));
        return request;
    }

    [Fact]
    public async Task ModelInfer_with_fp32_contents_returns_typed_outputs_equal_to_in_process_onnx_runtime()
    {
        var response = await _server.InferAsync(Typed());
        Assert.Equal("m", response.ModelName);
        Assert.Equal("2", response.ModelVersion);
        Assert.Equal("typed", response.Id);
        Assert.Empty(response.RawOutputContents);
        Assert.Equal(["raw", "probability"], response.Outputs.Select(o => o.Name));
        foreach (var output in response.Outputs)
        {
            Assert.Equal("FP32", output.Datatype);
            Assert.Equal([Batch, 2L], output.Shape);
            Assert.Equal(_expected[output.Name], output.Contents.Fp32Contents);
        }
    }

    [Fact]
    public async Task ModelInfer_with_raw_inputs_answers_in_raw_output_contents_and_honours_requested_outputs()
    {
        var request = Raw();
        request.Outputs.Add(new ModelInferRequest.Types.InferRequestedOutputTensor { Name = "probability" });
        var response = await _server.InferAsync(request);
        var output = Assert.Single(response.Outputs);
        Assert.Equal("probability", output.Name);
        Assert.Null(output.Contents);
        var bytes = Assert.Single(response.RawOutputContents).ToByteArray();
        Assert.Equal(_expected["probability"], MemoryMarshal.Cast<byte, float>(bytes).ToArray());
    }

    [Fact]
    public async Task Metadata_and_readiness()
    {
        Assert.True((await _server.UnaryAsync(ServingServer.ServerLive, new ServerLiveRequest())).Live);
        Assert.True((await _server.UnaryAsync(ServingServer.ServerReady, new ServerReadyRequest())).Ready);
        Assert.True((await _server.UnaryAsync(ServingServer.ModelReady, new ModelReadyRequest { Name = "m" })).Ready);
        Assert.True((await _server.UnaryAsync(ServingServer.ModelReady, new ModelReadyRequest { Name = "m", Version = "1" })).Ready);
        Assert.False((await _server.UnaryAsync(ServingServer.ModelReady, new ModelReadyRequest { Name = "m", Version = "3" })).Ready);
        Assert.False((await _server.UnaryAsync(ServingServer.ModelReady, new ModelReadyRequest { Name = "other" })).Ready);

        var server = await _server.UnaryAsync(ServingServer.ServerMetadata, new ServerMetadataRequest());
        Assert.Equal("rbp-inference-server", server.Name);
        Assert.Contains("execution_provider:CPUExecutionProvider", server.Extensions);
        Assert.Contains(server.Extensions, e => e.StartsWith("execution_provider_reason:", StringComparison.Ordinal));

        var model = await _server.UnaryAsync(ServingServer.ModelMetadata, new ModelMetadataRequest { Name = "m" });
        Assert.Equal(["1", "2"], model.Versions);
        Assert.Equal("onnxruntime_onnx", model.Platform);
        var input = Assert.Single(model.Inputs);
        Assert.Equal(("sequence", "FP32"), (input.Name, input.Datatype));
        Assert.Equal([-1L, 4, 20], input.Shape);
        Assert.Equal(["raw", "probability"], model.Outputs.Select(o => o.Name));
        Assert.All(model.Outputs, o => Assert.Equal([-1L, 2], o.Shape));
    }

    public static TheoryData<string, StatusCode, string> BadInfer() => new()
    {
        { "datatype", StatusCode.InvalidArgument, "datatype FP64" },
        { "shape", StatusCode.InvalidArgument, "expects [-1,4,20]" },
        { "raw size", StatusCode.InvalidArgument, "needs 1600" },
        { "unknown output", StatusCode.InvalidArgument, "unexpected inference output 'logits'" },
        { "unknown model", StatusCode.NotFound, "model 'zz' is not served" },
        { "bad version", StatusCode.InvalidArgument, "not a positive integer" },
        { "missing contents", StatusCode.InvalidArgument, "has 0 fp32_contents" },
    };

    [Theory]
    [MemberData(nameof(BadInfer))]
    public async Task Bad_infer_requests_get_the_right_status(string kind, StatusCode code, string detail)
    {
        var request = kind is "raw size" ? Raw() : Typed();
        switch (kind)
        {
            case "datatype": request.Inputs[0].Datatype = "FP64"; break;
            case "shape": request.Inputs[0].Shape[2] = 21; break;
            case "raw size": request.RawInputContents[0] = ByteString.CopyFrom(new byte[12]); break;
            case "unknown output": request.Outputs.Add(new ModelInferRequest.Types.InferRequestedOutputTensor { Name = "logits" }); break;
            case "unknown model": request.ModelName = "zz"; break;
            case "bad version": request.ModelVersion = "latest"; break;
            case "missing contents": request.Inputs[0].Contents = null; break;
        }
        var e = await Assert.ThrowsAsync<RpcException>(() => _server.InferAsync(request));
        Assert.Equal(code, e.StatusCode);
        Assert.Contains(detail, e.Status.Detail);
        Assert.Equal(2, (await _server.InferAsync(Typed())).Outputs.Count);
    }

    private const string PythonClient = """
        import json, struct, sys
        import grpc
        from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

        target, fds = sys.argv[1:3]
        pool = descriptor_pool.DescriptorPool()
        for f in descriptor_pb2.FileDescriptorSet.FromString(open(fds, "rb").read()).file:
            pool.AddSerializedFile(f.SerializeToString())
        factory = message_factory.MessageFactory(pool)
        msg = lambda n: factory.GetPrototype(pool.FindMessageTypeByName("inference." + n))
        Req, Resp = msg("ModelInferRequest"), msg("ModelInferResponse")
        channel = grpc.insecure_channel(target)
        S = "/inference.GRPCInferenceService/"
        call = lambda m, req, resp: channel.unary_unary(S + m, request_serializer=req.SerializeToString, response_deserializer=resp.FromString)
        data = json.loads(sys.stdin.read())
        n, values = data["batch"], data["values"]

        typed = Req(model_name="m", id="py-typed")
        t = typed.inputs.add(name="sequence", datatype="FP32", shape=[n, 4, 20])
        t.contents.fp32_contents.extend(values)
        r1 = call("ModelInfer", Req, Resp)(typed, timeout=10)

        raw = Req(model_name="m", model_version="2", id="py-raw")
        raw.inputs.add(name="sequence", datatype="FP32", shape=[n, 4, 20])
        raw.raw_input_contents.append(struct.pack("<%df" % len(values), *values))
        r2 = call("ModelInfer", Req, Resp)(raw, timeout=10)
        raw_out = {o.name: list(struct.unpack("<%df" % (len(b) // 4), b)) for o, b in zip(r2.outputs, r2.raw_output_contents)}

        live = call("ServerLive", msg("ServerLiveRequest"), msg("ServerLiveResponse"))(msg("ServerLiveRequest")(), timeout=10)
        meta = call("ModelMetadata", msg("ModelMetadataRequest"), msg("ModelMetadataResponse"))(msg("ModelMetadataRequest")(name="m"), timeout=10)
        try:
            call("ModelInfer", Req, Resp)(Req(model_name="missing"), timeout=10)
            missing = "OK"
        except grpc.RpcError as e:
            missing = e.code().name
        print(json.dumps({
            "typed": {o.name: list(o.contents.fp32_contents) for o in r1.outputs}, "typed_id": r1.id, "version": r1.model_version,
            "raw": raw_out, "live": live.live, "input_shape": list(meta.inputs[0].shape), "missing": missing}))
        """;

    [Fact]
    public async Task Python_grpcio_client_calls_ModelInfer_with_typed_and_raw_contents()
    {
        var set = new FileDescriptorSet();
        set.File.Add(FileDescriptorProto.Parser.ParseFrom(GrpcPredictV2Reflection.Descriptor.SerializedData));
        var path = Path.Combine(Path.GetTempPath(), $"rbp-kserve-{Guid.NewGuid():N}.pb");
        await File.WriteAllBytesAsync(path, set.ToByteArray(), Ct);
        try
        {
            var stdin = JsonSerializer.Serialize(new { batch = Batch, values = _input });
            var output = await PythonOracle.RunAsync(PythonClient.Replace("\r", ""), [_server.Target, path], stdin, TimeSpan.FromSeconds(60), Ct);
            using var json = JsonDocument.Parse(output);
            var root = json.RootElement;
            Assert.Equal("py-typed", root.GetProperty("typed_id").GetString());
            Assert.Equal("2", root.GetProperty("version").GetString());
            foreach (var part in new[] { "typed", "raw" })
                foreach (var name in new[] { "raw", "probability" })
                    Assert.Equal(_expected[name], root.GetProperty(part).GetProperty(name).EnumerateArray().Select(v => v.GetSingle()));
            Assert.True(root.GetProperty("live").GetBoolean());
            Assert.Equal([-1, 4, 20], root.GetProperty("input_shape").EnumerateArray().Select(v => v.GetInt32()));
            Assert.Equal("NOT_FOUND", root.GetProperty("missing").GetString());
        }
        finally
        {
            File.Delete(path);
        }
    }
}
