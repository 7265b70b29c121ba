using Google.Protobuf;
using Google.Protobuf.Reflection;
using RbpPipeline.Grpc;
using RbpPipeline.Grpc.Reflection.V1;
using RbpPipeline.InferenceServer.Grpc;
using Alpha = RbpPipeline.Grpc.Reflection.V1Alpha;

namespace RbpPipeline.InferenceServer.Reflection;

/// <summary>
/// gRPC server reflection, v1 and v1alpha, answering from the compiled descriptors
/// (<see cref="FileDescriptor.SerializedData"/>): list services, file by name, file containing a symbol,
/// each file with its transitive imports.
/// </summary>
/// <remarks>The two versions are identical on the wire, so v1alpha requests are re-read as v1 and answered by the same code.</remarks>
public sealed class ReflectionService(Func<IReadOnlyList<ServiceDescriptor>> services) : IGrpcService
{
    private readonly Lazy<DescriptorIndex> _index = new(() => new DescriptorIndex(services()));

    public void Bind(GrpcServiceBinder binder)
    {
        binder.Service(ReflectionReflection.Descriptor.Services[0])
            .DuplexStreaming<ServerReflectionRequest, ServerReflectionResponse>("ServerReflectionInfo", ServeAsync);
        binder.Service(Alpha.ReflectionReflection.Descriptor.Services[0])
            .DuplexStreaming<Alpha.ServerReflectionRequest, Alpha.ServerReflectionResponse>("ServerReflectionInfo", ServeAlphaAsync);
    }

    private async Task ServeAsync(IAsyncStreamReader<ServerReflectionRequest> requests,
        IServerStreamWriter<ServerReflectionResponse> responses, ServerCallContext context)
    {
        while (await requests.MoveNext(context.CancellationToken))
            await responses.WriteAsync(Answer(requests.Current), context.CancellationToken);
    }

    private async Task ServeAlphaAsync(IAsyncStreamReader<Alpha.ServerReflectionRequest> requests,
        IServerStreamWriter<Alpha.ServerReflectionResponse> responses, ServerCallContext context)
    {
        while (await requests.MoveNext(context.CancellationToken))
        {
            var request = ServerReflectionRequest.Parser.ParseFrom(requests.Current.ToByteString());
            var answer = Answer(request);
            await responses.WriteAsync(Alpha.ServerReflectionResponse.Parser.ParseFrom(answer.ToByteString()),
                context.CancellationToken);
        }
    }

    internal ServerReflectionResponse Answer(ServerReflectionRequest request)
    {
        var index = _index.Value;
        var response = new ServerReflectionResponse { ValidHost = request.Host, OriginalRequest = request };
        switch (request.MessageRequestCase)
        {
            case ServerReflectionRequest.MessageRequestOneofCase.ListServices:
                response.ListServicesResponse = new ListServiceResponse();
                foreach (var name in index.ServiceNames)
                    response.ListServicesResponse.Service.Add(new ServiceResponse { Name = name });
                break;
            case ServerReflectionRequest.MessageRequestOneofCase.FileByFilename:
                SetFiles(response, index.FindFile(request.FileByFilename), $"File '{request.FileByFilename}' not found.");
                break;
            case ServerReflectionRequest.MessageRequestOneofCase.FileContainingSymbol:
                SetFiles(response, index.FindFileContainingSymbol(request.FileContainingSymbol),
                    $"Symbol '{request.FileContainingSymbol}' not found.");
                break;
            case ServerReflectionRequest.MessageRequestOneofCase.AllExtensionNumbersOfType:
                // proto3 services declare no extensions; the answer is an empty list for known types.
                if (index.FindFileContainingSymbol(request.AllExtensionNumbersOfType) is null)
                    SetError(response, StatusCode.NotFound, $"Type '{request.AllExtensionNumbersOfType}' not found.");
                else
                    response.AllExtensionNumbersResponse = new ExtensionNumberResponse { BaseTypeName = request.AllExtensionNumbersOfType };
                break;
            case ServerReflectionRequest.MessageRequestOneofCase.FileContainingExtension:
                SetError(response, StatusCode.NotFound, "Extension not found.");
                break;
            default:
                SetError(response, StatusCode.InvalidArgument, "The request names no reflection query.");
                break;
        }
        return response;
    }

    private static void SetFiles(ServerReflectionResponse response, FileDescriptor? file, string notFound)
    {
        if (file is null)
        {
            SetError(response, StatusCode.NotFound, notFound);
            return;
        }
        var files = new FileDescriptorResponse();
        foreach (var f in DescriptorIndex.WithDependencies(file))
            files.FileDescriptorProto.Add(f.SerializedData);
        response.FileDescriptorResponse = files;
    }

    private static void SetError(ServerReflectionResponse response, StatusCode code, string message) =>
        response.ErrorResponse = new ErrorResponse { ErrorCode = (int)code, ErrorMessage = message };
}
