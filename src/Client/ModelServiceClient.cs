using Google.Protobuf.Reflection;
using RbpPipeline.Contracts.Rbp.V1;
using RbpPipeline.Grpc;

namespace RbpPipeline.Client;

/// <summary>Typed calls of <c>rbp.v1.ModelService</c> over a <see cref="GrpcChannel"/>.</summary>
public sealed class ModelServiceClient(GrpcChannel channel)
{
    public static ServiceDescriptor Descriptor => RbpReflection.Descriptor.FindTypeByName<ServiceDescriptor>("ModelService");

    public static readonly GrpcMethod<ListModelsRequest, ListModelsResponse> ListModelsMethod =
        GrpcMethod<ListModelsRequest, ListModelsResponse>.Create(Descriptor, "ListModels", MethodType.Unary);

    public static readonly GrpcMethod<PredictRequest, PredictResponse> PredictMethod =
        GrpcMethod<PredictRequest, PredictResponse>.Create(Descriptor, "Predict", MethodType.Unary);

    public static readonly GrpcMethod<PredictRequest, PredictResponse> PredictStreamMethod =
        GrpcMethod<PredictRequest, PredictResponse>.Create(Descriptor, "PredictStream", MethodType.DuplexStreaming);

    public Task<ListModelsResponse> ListModelsAsync(ListModelsRequest request, CallOptions options = default) =>
        channel.UnaryAsync(ListModelsMethod, request, options);

    public Task<PredictResponse> PredictAsync(PredictRequest request, CallOptions options = default) =>
        channel.UnaryAsync(PredictMethod, request, options);

    public AsyncDuplexStreamingCall<PredictRequest, PredictResponse> PredictStream(CallOptions options = default) =>
        channel.AsyncDuplexStreamingCall(PredictStreamMethod, options);
}
