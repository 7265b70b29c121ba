using RbpPipeline.Grpc;

namespace RbpPipeline.Client;

/// <summary>Per-call settings.</summary>
public readonly record struct CallOptions
{
    /// <summary>Custom metadata sent as request headers.</summary>
    public Metadata? Headers { get; init; }

    /// <summary>UTC deadline: sent as <c>grpc-timeout</c>, and the call fails with DEADLINE_EXCEEDED locally when it passes.</summary>
    public DateTime? Deadline { get; init; }

    public CancellationToken CancellationToken { get; init; }

    /// <summary>Overrides the channel's request compression for this call ("identity" for none).</summary>
    public string? Compression { get; init; }

    public CallOptions WithTimeout(TimeSpan timeout) => this with { Deadline = DateTime.UtcNow + timeout };
}
