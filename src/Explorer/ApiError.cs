using Grpc.Core;
using Microsoft.AspNetCore.Http;

namespace RbpPipeline.Explorer;

/// <summary>
/// Errors of the explorer's own endpoints in the shape the JSON transcoder gives failed gRPC calls
/// (<c>{"code": 3, "message": …, "details": []}</c>), so the page reads every failure the same way.
/// </summary>
internal static class ApiError
{
    public static IResult Of(StatusCode code, string message) => Results.Json(new Body((int)code, message, []), statusCode: HttpStatus(code));

    private static int HttpStatus(StatusCode code) => code switch
    {
        StatusCode.InvalidArgument or StatusCode.OutOfRange or StatusCode.FailedPrecondition => StatusCodes.Status400BadRequest,
        StatusCode.NotFound => StatusCodes.Status404NotFound,
        StatusCode.ResourceExhausted => StatusCodes.Status429TooManyRequests,
        StatusCode.Unauthenticated => StatusCodes.Status401Unauthorized,
        _ => StatusCodes.Status500InternalServerError,
    };

    private sealed record Body(int Code, string Message, object[] Details);
}
