using RbpPipeline.InferenceServer.Tests.Echo;

namespace RbpPipeline.InferenceServer.Tests.Support;

/// <summary>HTTP/2 paths of the test service's methods, taken from its descriptor, for the raw-frame tests.</summary>
public static class EchoMethods
{
    public static readonly string Echo = PathOf("Echo");

    public static readonly string Expand = PathOf("Expand");

    private static string PathOf(string method) =>
        $"/{EchoService.Descriptor.FullName}/{EchoService.Descriptor.FindMethodByName(method)?.Name ?? throw new ArgumentException($"no method {method}", nameof(method))}";
}
