using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Grpc.Core;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace RbpPipeline.InferenceServer.Hosting;

/// <summary>
/// Static bearer tokens in ASP.NET Core's authentication pipeline. With tokens configured, every endpoint requires an
/// authenticated caller (the fallback policy) unless it allows anonymous access (health, when configured so, and
/// <c>/metrics</c>); a refused gRPC call ends with UNAUTHENTICATED.
/// </summary>
public static class BearerTokenAuthentication
{
    public const string Scheme = "Bearer";

    public static IServiceCollection AddRbpBearerTokens(this IServiceCollection services, GrpcServerOptions options)
    {
        var tokens = options.BearerTokens.Where(t => t.Length > 0).ToList();
        services.AddAuthentication(Scheme)
            .AddScheme<BearerTokenOptions, BearerTokenHandler>(Scheme, o => o.Tokens = [.. tokens.Select(Encoding.UTF8.GetBytes)]);
        services.AddAuthorization(o =>
        {
            if (tokens.Count > 0) o.FallbackPolicy = new AuthorizationPolicyBuilder(Scheme).RequireAuthenticatedUser().Build();
        });
        return services;
    }
}

public sealed class BearerTokenOptions : AuthenticationSchemeOptions
{
    public IReadOnlyList<byte[]> Tokens { get; set; } = [];
}

/// <summary>Checks <c>authorization: Bearer …</c> against the configured tokens, in constant time per token.</summary>
public sealed class BearerTokenHandler(IOptionsMonitor<BearerTokenOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<BearerTokenOptions>(options, logger, encoder)
{
    private const string Prefix = "Bearer ";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (header.Length == 0) return Task.FromResult(AuthenticateResult.NoResult());
        if (!header.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
            return Task.FromResult(AuthenticateResult.Fail("the authorization header is not a bearer token"));
        var presented = Encoding.UTF8.GetBytes(header[Prefix.Length..].Trim());
        var ok = false;
        foreach (var token in Options.Tokens) ok |= CryptographicOperations.FixedTimeEquals(presented, token);
        if (!ok) return Task.FromResult(AuthenticateResult.Fail("the bearer token is not accepted"));
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, "bearer")], Scheme.Name);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name)));
    }

    /// <summary>
    /// A gRPC client expects a gRPC status, not HTTP 401: answer trailers-only with UNAUTHENTICATED (other requests,
    /// such as a browser's, get the 401 a plain HTTP client understands).
    /// </summary>
    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        if (Request.ContentType?.StartsWith("application/grpc", StringComparison.Ordinal) != true)
            return base.HandleChallengeAsync(properties);
        Response.StatusCode = StatusCodes.Status200OK;
        Response.ContentType = "application/grpc";
        Response.Headers["grpc-status"] = ((int)StatusCode.Unauthenticated).ToString(System.Globalization.CultureInfo.InvariantCulture);
        Response.Headers["grpc-message"] = "missing or invalid bearer token (authorization: Bearer <token>)";
        return Task.CompletedTask;
    }
}
