using System.Buffers.Binary;
using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Microsoft.Extensions.Hosting;
using Grpc.Core;
using RbpPipeline.InferenceServer.Execution;
using RbpPipeline.InferenceServer.Hosting;
using RbpPipeline.InferenceServer.KServe.V2;
using RbpPipeline.InferenceServer.Models;

namespace RbpPipeline.InferenceServer.Services;

/// <summary>
/// The KServe v2 / Open Inference Protocol subset (<c>inference.GRPCInferenceService</c>) over the forward models,
/// so Triton and KServe clients work unchanged: liveness, readiness, metadata, and ModelInfer with typed
/// (<c>fp32_contents</c>) or raw little-endian inputs. As Triton does, outputs come back in
/// <c>raw_output_contents</c> when the request sent raw inputs, otherwise in typed contents.
/// </summary>
public sealed class KServeInferenceService(ModelRepository repository, OnnxSessionFactory sessions, ServingOptions options,
    IHostApplicationLifetime lifetime) : GRPCInferenceService.GRPCInferenceServiceBase
{
    public const string ServerName = "rbp-inference-server";
    public const string Platform = "onnxruntime_onnx";
    public const string Fp32 = "FP32";

    public static string ServerVersion { get; } =
        typeof(KServeInferenceService).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    public override Task<ServerLiveResponse> ServerLive(ServerLiveRequest request, ServerCallContext context) =>
        Task.FromResult(new ServerLiveResponse { Live = true });

    public override Task<ServerReadyResponse> ServerReady(ServerReadyRequest request, ServerCallContext context) =>
        Task.FromResult(new ServerReadyResponse { Ready = IsReady });

    private bool IsReady => repository.IsReady && !lifetime.ApplicationStopping.IsCancellationRequested;

    public override Task<ModelReadyResponse> ModelReady(ModelReadyRequest request, ServerCallContext context)
    {
        var version = ParseVersion(request.Version);
        var versions = repository.VersionsOf(request.Name);
        var ready = IsReady && (version == 0 ? versions.Count > 0 : versions.Any(v => v.Version == version));
        return Task.FromResult(new ModelReadyResponse { Ready = ready });
    }

    public override Task<ServerMetadataResponse> ServerMetadata(ServerMetadataRequest request, ServerCallContext context)
    {
        var provider = sessions.ExecutionProvider;
        var response = new ServerMetadataResponse { Name = ServerName, Version = ServerVersion };
        response.Extensions.Add("model_repository_watch");
        response.Extensions.Add("dynamic_batching");
        response.Extensions.Add("rbp.v1.ModelService");
        response.Extensions.Add($"execution_provider:{provider.Provider}");
        response.Extensions.Add($"execution_provider_reason:{provider.Reason}");
        return Task.FromResult(response);
    }

    public override Task<ModelMetadataResponse> ModelMetadata(ModelMetadataRequest request, ServerCallContext context)
    {
        using var lease = Predictor.Lease(repository, request.Name, ParseVersion(request.Version));
        var model = lease.Model;
        var response = new ModelMetadataResponse { Name = model.Name, Platform = Platform };
        response.Versions.AddRange(repository.VersionsOf(model.Name).Select(v => v.Version.ToString(CultureInfo.InvariantCulture)));
        foreach (var input in model.Manifest.Inputs)
            response.Inputs.Add(Tensor(input.Name, -1, input.Channels.Count, input.Length));
        foreach (var output in model.Manifest.Outputs)
            response.Outputs.Add(Tensor(output.Name, -1, model.Manifest.OutputColumns));
        return Task.FromResult(response);
    }

    public override async Task<ModelInferResponse> ModelInfer(ModelInferRequest request, ServerCallContext context)
    {
        if (string.IsNullOrEmpty(request.ModelName)) throw new ArgumentException("model_name is empty");
        using var lease = Predictor.Lease(repository, request.ModelName, ParseVersion(request.ModelVersion));
        var model = lease.Model;
        var manifestInputs = model.Manifest.Inputs;
        var raw = request.RawInputContents.Count > 0;
        if (raw && request.RawInputContents.Count != request.Inputs.Count)
            throw new ArgumentException($"{request.RawInputContents.Count} raw_input_contents for {request.Inputs.Count} inputs");

        var inputs = new float[manifestInputs.Count][];
        var rows = -1;
        for (var k = 0; k < request.Inputs.Count; k++)
        {
            var tensor = request.Inputs[k];
            var index = -1;
            for (var i = 0; i < manifestInputs.Count; i++) if (manifestInputs[i].Name == tensor.Name) index = i;
            if (index < 0)
                throw new ArgumentException(
                    $"unexpected inference input '{tensor.Name}' for model '{model.Name}' (inputs: {string.Join(", ", manifestInputs.Select(i => i.Name))})");
            if (inputs[index] is not null) throw new ArgumentException($"input '{tensor.Name}' is given twice");
            if (tensor.Datatype != Fp32)
                throw new ArgumentException($"input '{tensor.Name}' has datatype {tensor.Datatype}; the model expects {Fp32}");
            var expected = manifestInputs[index];
            var shape = tensor.Shape;
            if (shape.Count != 3 || shape[0] < 1 || shape[1] != expected.Channels.Count || shape[2] != expected.Length)
                throw new ArgumentException(
                    $"input '{tensor.Name}' has shape [{string.Join(",", shape)}]; the model expects [-1,{expected.Channels.Count},{expected.Length}]");
            if (shape[0] > options.MaxSequencesPerRequest)
                throw new RequestLimitException($"{shape[0]} rows in one request; the limit is {options.MaxSequencesPerRequest}");
            if (rows >= 0 && shape[0] != rows)
                throw new ArgumentException($"inputs disagree on the batch size ({rows} and {shape[0]})");
            rows = (int)shape[0];
            var count = (long)rows * expected.Channels.Count * expected.Length;
            inputs[index] = raw ? FromRaw(tensor, request.RawInputContents[k], count) : FromTyped(tensor, count);
        }
        for (var i = 0; i < inputs.Length; i++)
            if (inputs[i] is null) throw new ArgumentException($"input '{manifestInputs[i].Name}' is missing");

        var wanted = new List<int>();
        if (request.Outputs.Count == 0) wanted.AddRange(Enumerable.Range(0, model.Manifest.Outputs.Count));
        foreach (var output in request.Outputs)
        {
            var index = -1;
            for (var o = 0; o < model.Manifest.Outputs.Count; o++) if (model.Manifest.Outputs[o].Name == output.Name) index = o;
            if (index < 0)
                throw new ArgumentException(
                    $"unexpected inference output '{output.Name}' for model '{model.Name}' (outputs: {string.Join(", ", model.Manifest.Outputs.Select(o => o.Name))})");
            wanted.Add(index);
        }

        var results = await Predictor.RunAsync(model, inputs, rows, context.CancellationToken).ConfigureAwait(false);
        var columns = model.Manifest.OutputColumns;
        var response = new ModelInferResponse
        {
            ModelName = model.Name,
            ModelVersion = model.Version.ToString(CultureInfo.InvariantCulture),
            Id = request.Id,
        };
        foreach (var o in wanted)
        {
            var tensor = new ModelInferResponse.Types.InferOutputTensor { Name = model.Manifest.Outputs[o].Name, Datatype = Fp32 };
            tensor.Shape.Add(rows);
            tensor.Shape.Add(columns);
            if (raw) response.RawOutputContents.Add(ToRaw(results[o]));
            else tensor.Contents = new InferTensorContents { Fp32Contents = { results[o] } };
            response.Outputs.Add(tensor);
        }
        return response;
    }

    private static float[] FromTyped(ModelInferRequest.Types.InferInputTensor tensor, long count)
    {
        var values = tensor.Contents?.Fp32Contents;
        if (values is null || values.Count != count)
            throw new ArgumentException(
                $"input '{tensor.Name}' has {values?.Count ?? 0} fp32_contents; shape [{string.Join(",", tensor.Shape)}] needs {count}");
        var data = new float[count];
        values.CopyTo(data, 0);
        return data;
    }

    private static float[] FromRaw(ModelInferRequest.Types.InferInputTensor tensor, ByteString bytes, long count)
    {
        if (tensor.Contents is { } contents && contents.CalculateSize() > 0)
            throw new ArgumentException($"input '{tensor.Name}' has contents although the request uses raw_input_contents");
        if (bytes.Length != count * sizeof(float))
            throw new ArgumentException(
                $"input '{tensor.Name}' has {bytes.Length} bytes of raw content; shape [{string.Join(",", tensor.Shape)}] of {Fp32} needs {count * sizeof(float)}");
        var data = new float[count];
        if (BitConverter.IsLittleEndian)
            bytes.Span.CopyTo(MemoryMarshal.AsBytes(data.AsSpan()));
        else
            for (var i = 0; i < data.Length; i++) data[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.Span[(i * 4)..]);
        return data;
    }

    private static ByteString ToRaw(float[] values)
    {
        if (BitConverter.IsLittleEndian) return ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan()));
        var bytes = new byte[values.Length * sizeof(float)];
        for (var i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), values[i]);
        return ByteString.CopyFrom(bytes);
    }

    private static long ParseVersion(string text)
    {
        if (string.IsNullOrEmpty(text)) return 0;
        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var version) && version >= 1) return version;
        throw new ArgumentException($"model version '{text}' is not a positive integer");
    }

    private static ModelMetadataResponse.Types.TensorMetadata Tensor(string name, params long[] shape)
    {
        var tensor = new ModelMetadataResponse.Types.TensorMetadata { Name = name, Datatype = Fp32 };
        tensor.Shape.AddRange(shape);
        return tensor;
    }
}
