namespace RbpPipeline.InferenceServer.Services;

/// <summary>A request asks for more than a configured limit allows; the interceptor answers RESOURCE_EXHAUSTED.</summary>
public sealed class RequestLimitException(string message) : Exception(message);
