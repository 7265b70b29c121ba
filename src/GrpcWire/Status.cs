namespace RbpPipeline.Grpc;

/// <summary>The outcome of a call: a code and a human-readable detail (sent percent-encoded in <c>grpc-message</c>).</summary>
public readonly record struct Status(StatusCode StatusCode, string Detail)
{
    public static readonly Status Ok = new(StatusCode.OK, "");

    public override string ToString() => $"Status(StatusCode=\"{StatusCode}\", Detail=\"{Detail}\")";
}
