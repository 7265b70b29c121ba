namespace RbpPipeline.Grpc;

/// <summary>Header names and fixed values of the gRPC over HTTP/2 protocol.</summary>
public static class GrpcProtocol
{
    public const string ContentType = "application/grpc";
    public const string ContentTypeProto = "application/grpc+proto";
    public const string StatusHeader = "grpc-status";
    public const string MessageHeader = "grpc-message";
    public const string TimeoutHeader = "grpc-timeout";
    public const string EncodingHeader = "grpc-encoding";
    public const string AcceptEncodingHeader = "grpc-accept-encoding";
    public const string TeHeader = "te";
    public const string TeTrailers = "trailers";
    public const string AuthorizationHeader = "authorization";
    public const int HeaderLength = 5;

    /// <summary>True for the content types this implementation speaks (protobuf only; parameters ignored).</summary>
    public static bool IsGrpcContentType(string? contentType)
    {
        if (contentType is null) return false;
        var semicolon = contentType.IndexOf(';');
        var mediaType = (semicolon >= 0 ? contentType[..semicolon] : contentType).Trim();
        return mediaType.Equals(ContentType, StringComparison.OrdinalIgnoreCase)
            || mediaType.Equals(ContentTypeProto, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The gRPC code a client synthesizes for a non-200 HTTP status (the spec's HTTP to gRPC mapping).</summary>
    public static StatusCode FromHttpStatus(int httpStatus) => httpStatus switch
    {
        400 => StatusCode.Internal,
        401 => StatusCode.Unauthenticated,
        403 => StatusCode.PermissionDenied,
        404 => StatusCode.Unimplemented,
        429 or 502 or 503 or 504 => StatusCode.Unavailable,
        _ => StatusCode.Unknown,
    };

    /// <summary>The gRPC code for an HTTP/2 RST_STREAM error code received from a server.</summary>
    public static StatusCode FromHttp2ErrorCode(long errorCode) => errorCode switch
    {
        7 => StatusCode.Unavailable, // REFUSED_STREAM: nothing was processed, the call may be retried
        8 => StatusCode.Cancelled, // CANCEL
        11 => StatusCode.ResourceExhausted, // ENHANCE_YOUR_CALM
        12 => StatusCode.PermissionDenied, // INADEQUATE_SECURITY
        _ => StatusCode.Internal,
    };
}
