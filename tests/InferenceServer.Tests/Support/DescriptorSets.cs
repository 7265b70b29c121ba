using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Health.V1;
using Grpc.Reflection.V1;
using RbpPipeline.InferenceServer.Tests.Echo;

namespace RbpPipeline.InferenceServer.Tests.Support;

/// <summary>
/// A FileDescriptorSet of the test, health and reflection protos (imports first), written from the compiled
/// descriptors. Python (protobuf 4.21 cannot import protoc-35 generated code) and Node build their message
/// types from it.
/// </summary>
public static class DescriptorSets
{
    private static readonly Lazy<string> PathLazy = new(Write);

    public static string Path => PathLazy.Value;

    private static string Write()
    {
        var ordered = new List<FileDescriptor>();
        var seen = new HashSet<string>();
        void Visit(FileDescriptor file)
        {
            if (!seen.Add(file.Name)) return;
            foreach (var dependency in file.Dependencies) Visit(dependency);
            ordered.Add(file);
        }
        Visit(EchoReflection.Descriptor);
        Visit(HealthReflection.Descriptor);
        Visit(ReflectionReflection.Descriptor);
        var set = new FileDescriptorSet();
        foreach (var file in ordered) set.File.Add(FileDescriptorProto.Parser.ParseFrom(file.SerializedData));
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"rbp-grpc-tests-{Environment.ProcessId}.pb");
        File.WriteAllBytes(path, set.ToByteArray());
        return path;
    }
}
