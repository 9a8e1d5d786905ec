using System.Collections.Frozen;
using Microsoft.AspNetCore.Cors.Infrastructure;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace IdentityProvider.Oidc;

/// <summary>
/// The browser origins allowed to call the protocol endpoints from script (CORS): the origins of every public
/// client's registered http(s) redirect URIs, and the origins an administrator listed for a client. The set is read
/// from the database at most every 30 seconds (at once on this node after a change made here), so every node
/// agrees within that time.
/// </summary>
public sealed class BrowserOrigins(IServiceScopeFactory scopes, TimeProvider time) : IDisposable
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(30);
    private readonly SemaphoreSlim reload = new(1, 1);
    private volatile Snapshot? current;

    public async ValueTask<bool> IsAllowedAsync(string origin, CancellationToken cancellationToken)
    {
        var snapshot = current;
        if (snapshot is null || time.GetUtcNow() >= snapshot.Expires)
        {
            snapshot = await LoadAsync(cancellationToken);
        }

        return snapshot.Origins.Contains(origin);
    }

    /// <summary>Forgets the set; the next request reads it again (after a client changed).</summary>
    public void Invalidate() => current = null;

    public void Dispose() => reload.Dispose();

    private async Task<Snapshot> LoadAsync(CancellationToken cancellationToken)
    {
        await reload.WaitAsync(cancellationToken);
        try
        {
            if (current is { } fresh && time.GetUtcNow() < fresh.Expires)
            {
                return fresh;
            }

            await using var scope = scopes.CreateAsyncScope();
            var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
            var origins = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            await foreach (var application in applications.ListAsync(cancellationToken: cancellationToken))
            {
                if (await applications.HasClientTypeAsync(application, ClientTypes.Public, cancellationToken))
                {
                    foreach (var uri in await applications.GetRedirectUrisAsync(application, cancellationToken))
                    {
                        if (ClientProperties.OriginOf(uri) is { } origin)
                        {
                            origins.Add(origin);
                        }
                    }
                }

                origins.UnionWith(await applications.AllowedOriginsAsync(application, cancellationToken));
            }

            var snapshot = new Snapshot(origins.ToFrozenSet(StringComparer.OrdinalIgnoreCase), time.GetUtcNow() + Lifetime);
            current = snapshot;
            return snapshot;
        }
        finally
        {
            reload.Release();
        }
    }

    private sealed record Snapshot(FrozenSet<string> Origins, DateTimeOffset Expires);
}

/// <summary>
/// CORS for single-page apps: only discovery, the key set, token, userinfo and revocation, and only for
/// <see cref="BrowserOrigins"/>. Every other path, and every other origin, gets no CORS headers at all. No cookies
/// travel (credentials are not allowed): these endpoints authenticate with tokens and client credentials.
/// </summary>
internal sealed class ProtocolCorsPolicyProvider(BrowserOrigins origins) : ICorsPolicyProvider
{
    private static readonly FrozenSet<string> Paths = new[]
    {
        "/.well-known/openid-configuration",
        "/.well-known/jwks",
        "/connect/token",
        "/connect/userinfo",
        "/connect/revoke",
    }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    public async Task<CorsPolicy?> GetPolicyAsync(HttpContext context, string? policyName)
    {
        ArgumentNullException.ThrowIfNull(context);
        var origin = context.Request.Headers.Origin.ToString();
        if (origin.Length == 0 || !Paths.Contains(context.Request.Path.Value ?? string.Empty)
            || !await origins.IsAllowedAsync(origin, context.RequestAborted))
        {
            return null;
        }

        return new CorsPolicyBuilder()
            .WithOrigins(origin)
            .WithMethods(HttpMethods.Get, HttpMethods.Post)
            .WithHeaders("Authorization", "Content-Type")
            .WithExposedHeaders("WWW-Authenticate")
            .SetPreflightMaxAge(TimeSpan.FromMinutes(10))
            .Build();
    }
}
