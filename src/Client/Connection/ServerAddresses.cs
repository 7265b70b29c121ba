using Grpc.Net.Client.Balancer;

namespace RbpPipeline.Client;

/// <summary>
/// The replicas named by <see cref="ServerOptions.Servers"/>: one channel target, and for a list of addresses the
/// static address list a <see cref="StaticResolverFactory"/> hands to the round-robin balancer.
/// </summary>
public sealed record ServerAddresses(Uri Target, bool Tls, IReadOnlyList<BalancerAddress>? StaticList)
{
    /// <summary>The scheme of the channel target for a static list of replicas.</summary>
    public const string StaticScheme = "static";

    /// <summary>How many replicas were named (a dns:/// name counts as one: its addresses are resolved later).</summary>
    public int Count => StaticList?.Count ?? 1;

    /// <summary>Parses and checks the addresses; the message names the offending value.</summary>
    public static ServerAddresses Parse(IReadOnlyList<string> servers, bool tlsForDns)
    {
        if (servers.Count == 0) throw new ArgumentException("no server address given (expected http://host:port, https://host:port or dns:///name:port)");
        if (servers.Any(s => s.StartsWith("dns:", StringComparison.OrdinalIgnoreCase)))
        {
            if (servers.Count > 1)
                throw new ArgumentException($"server address '{servers.First(s => s.StartsWith("dns:", StringComparison.OrdinalIgnoreCase))}': a dns:/// name stands for all its replicas and cannot be combined with other addresses");
            var text = servers[0];
            if (!Uri.TryCreate(text, UriKind.Absolute, out var dns) || !text.StartsWith("dns:///", StringComparison.OrdinalIgnoreCase)
                || dns.AbsolutePath.Trim('/').Split(':') is not [{ Length: > 0 }, var port] || !int.TryParse(port, out _))
                throw new ArgumentException($"server address '{text}': expected dns:///name:port");
            return new ServerAddresses(dns, tlsForDns, null);
        }
        var uris = servers.Select(Http).ToList();
        var tls = uris[0].Scheme == Uri.UriSchemeHttps;
        if (uris.FirstOrDefault(u => (u.Scheme == Uri.UriSchemeHttps) != tls) is { } mixed)
            throw new ArgumentException($"server address '{mixed.OriginalString}': every replica must use the scheme of '{servers[0]}' (all http:// or all https://)");
        if (uris.Count == 1) return new ServerAddresses(uris[0], tls, null);
        var duplicate = uris.GroupBy(u => (u.Host, u.Port)).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new ArgumentException($"server address '{duplicate.First().OriginalString}' is given twice");
        return new ServerAddresses(new Uri($"{StaticScheme}:///replicas"), tls, [.. uris.Select(u => new BalancerAddress(u.Host, u.Port))]);
    }

    private static Uri Http(string text)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
            || uri.AbsolutePath != "/" || uri.Query.Length > 0)
            throw new ArgumentException($"server address '{text}': expected http://host:port, https://host:port or dns:///name:port");
        return uri;
    }
}
