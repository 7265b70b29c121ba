namespace RbpPipeline.InferenceServer.Services;

/// <summary>
/// One request of a stream failed; the stream ends with that request's status, its id put in front of the message
/// so the client knows which of its requests it was.
/// </summary>
public sealed class StreamRequestException(string requestId, Exception inner) : Exception(inner.Message, inner)
{
    public string Label => requestId.Length > 0 ? $"request '{requestId}'" : "a request";
}
