using System.Security.Cryptography;
using System.Text;

namespace RbpPipeline.InferenceServer.Grpc;

/// <summary>Checks <c>authorization: Bearer …</c> against the configured tokens in constant time per token.</summary>
internal sealed class BearerTokenAuthenticator
{
    private const string Scheme = "Bearer ";
    private const string HealthPathPrefix = "/grpc.health.v1.Health/";
    private readonly byte[][] _tokens;
    private readonly bool _healthOpen;

    public BearerTokenAuthenticator(GrpcServerOptions options)
    {
        _tokens = options.BearerTokens.Where(t => t.Length > 0).Select(Encoding.UTF8.GetBytes).ToArray();
        _healthOpen = options.AllowUnauthenticatedHealth;
    }

    public bool Enabled => _tokens.Length > 0;

    public bool IsAuthorized(string path, string? authorization)
    {
        if (!Enabled) return true;
        if (_healthOpen && path.StartsWith(HealthPathPrefix, StringComparison.Ordinal)) return true;
        if (authorization is null || !authorization.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase)) return false;
        var presented = Encoding.UTF8.GetBytes(authorization[Scheme.Length..].Trim());
        var ok = false;
        foreach (var token in _tokens)
            ok |= CryptographicOperations.FixedTimeEquals(presented, token);
        return ok;
    }
}
