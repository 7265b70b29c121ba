using Google.Protobuf.Reflection;
using RbpPipeline.Contracts.Rbp.V1;
using RbpPipeline.Grpc;

namespace RbpPipeline.Client;

/// <summary>Typed calls of <c>rbp.v1.InterpretationService</c> (all server-streaming) over a <see cref="GrpcChannel"/>.</summary>
public sealed class InterpretationServiceClient(GrpcChannel channel)
{
    public static ServiceDescriptor Descriptor => RbpReflection.Descriptor.FindTypeByName<ServiceDescriptor>("InterpretationService");

    public static readonly GrpcMethod<AttributeRequest, AttributeResponse> AttributeMethod =
        GrpcMethod<AttributeRequest, AttributeResponse>.Create(Descriptor, "Attribute", MethodType.ServerStreaming);

    public static readonly GrpcMethod<MutagenesisRequest, MutagenesisResponse> MutagenesisMethod =
        GrpcMethod<MutagenesisRequest, MutagenesisResponse>.Create(Descriptor, "Mutagenesis", MethodType.ServerStreaming);

    public static readonly GrpcMethod<GlobalImportanceRequest, GlobalImportanceResponse> GlobalImportanceMethod =
        GrpcMethod<GlobalImportanceRequest, GlobalImportanceResponse>.Create(Descriptor, "GlobalImportance", MethodType.ServerStreaming);

    public AsyncServerStreamingCall<AttributeResponse> Attribute(AttributeRequest request, CallOptions options = default) =>
        channel.AsyncServerStreamingCall(AttributeMethod, request, options);

    public AsyncServerStreamingCall<MutagenesisResponse> Mutagenesis(MutagenesisRequest request, CallOptions options = default) =>
        channel.AsyncServerStreamingCall(MutagenesisMethod, request, options);

    public AsyncServerStreamingCall<GlobalImportanceResponse> GlobalImportance(GlobalImportanceRequest request, CallOptions options = default) =>
        channel.AsyncServerStreamingCall(GlobalImportanceMethod, request, options);

    /// <summary>Every response of a server-streaming call, in order; the call's status error is thrown at the end.</summary>
    public static async IAsyncEnumerable<TResponse> ReadAllAsync<TResponse>(AsyncServerStreamingCall<TResponse> call,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using (call)
        {
            while (await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false))
                yield return call.ResponseStream.Current;
        }
    }
}
