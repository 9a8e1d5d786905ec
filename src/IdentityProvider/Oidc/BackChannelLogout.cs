using System.Text.Json;
using IdentityProvider.Account.Sessions;
using IdentityProvider.Data;
using IdentityProvider.Messaging;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.EntityFrameworkCore.Models;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace IdentityProvider.Oidc;

/// <summary>
/// OpenID Connect Back-Channel Logout 1.0 on the server's side: when a user's session (or every session of the user)
/// ends, each relying app that registered a <c>backchannel_logout_uri</c> and where that session (or the user) is
/// signed in gets a signed logout token, posted from the durable outbox with retries.
/// <para>
/// Runs wherever sessions end (sign-out, the end-session endpoint, the idle or absolute limit, a password change or
/// reset, an administrator's reset, disabling a user, "sign out everywhere"): the sessions module calls it through
/// <see cref="ISessionsEndedHandler"/> before the rows and tokens go, in the same unit of work.
/// </para>
/// </summary>
public sealed partial class BackChannelLogout(
    ApplicationDbContext db,
    IOpenIddictApplicationManager applications,
    Outbox outbox,
    IHttpContextAccessor http,
    IOptions<OidcOptions> options,
    ILogger<BackChannelLogout> logger)
{
    /// <summary>
    /// Queues a logout token for every app to notify. With <paramref name="sessionId"/> (the <c>sid</c> of the ending
    /// session): the apps that session signed in to, each token carrying <c>sub</c> and <c>sid</c>. Without it: every
    /// app where the user signed in or holds a valid authorization or token, each token carrying <c>sub</c> (all of
    /// the user's sessions at that app end).
    /// </summary>
    public async Task QueueAsync(string userId, string? sessionId = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        // The apps the session (or any session of the user) received tokens in, as the sessions recorded them.
        var clients = new HashSet<string>(await (
            from link in db.Set<UserSessionAuthorization>()
            join session in db.Set<UserSession>() on link.SessionId equals session.Id
            where session.UserId == userId && (sessionId == null || link.SessionId == sessionId)
            select link.ClientId).Distinct().ToListAsync(cancellationToken), StringComparer.Ordinal);
        if (sessionId is null)
        {
            clients.UnionWith(await db.Set<OpenIddictEntityFrameworkCoreAuthorization>()
                .Where(a => a.Subject == userId && a.Status == Statuses.Valid && a.Application != null)
                .Select(a => a.Application!.ClientId!).Distinct().ToListAsync(cancellationToken));
            clients.UnionWith(await db.Set<OpenIddictEntityFrameworkCoreToken>()
                .Where(t => t.Subject == userId && t.Status == Statuses.Valid && t.Application != null)
                .Select(t => t.Application!.ClientId!).Distinct().ToListAsync(cancellationToken));
        }

        if (clients.Count == 0)
        {
            return;
        }

        var issuer = Issuer();
        foreach (var clientId in clients)
        {
            if (await applications.FindByClientIdAsync(clientId, cancellationToken) is not { } application
                || await applications.BackChannelLogoutUriAsync(application, cancellationToken) is null)
            {
                continue;
            }

            if (issuer is null)
            {
                LogNoIssuer(logger, clientId);
                continue;
            }

            outbox.BackChannelLogout(clientId, JsonSerializer.Serialize(new LogoutRequest(issuer, userId, sessionId)));
            LogQueued(logger, clientId, userId);
        }
    }

    /// <summary>The issuer the tokens carry: the configured one, or (like OpenIddict) the address of the current request.</summary>
    private string? Issuer()
    {
        if (options.Value.Issuer is { } configured)
        {
            return configured.AbsoluteUri;
        }

        return http.HttpContext?.Request is { } request
            ? new Uri($"{request.Scheme}://{request.Host}{request.PathBase}", UriKind.Absolute).AbsoluteUri
            : null;
    }

    [LoggerMessage(EventId = 5100, Level = LogLevel.Information, Message = "Back-channel logout queued for client {ClientId}, user {UserId}.")]
    private static partial void LogQueued(ILogger logger, string clientId, string userId);

    [LoggerMessage(EventId = 5101, Level = LogLevel.Warning, Message = "No back-channel logout for client {ClientId}: set Oidc:Issuer to notify apps outside a request.")]
    private static partial void LogNoIssuer(ILogger logger, string clientId);
}

/// <summary>What a queued back-channel logout delivery carries (the outbox row's body); the token is signed at delivery.</summary>
internal sealed record LogoutRequest(string Issuer, string Subject, string? SessionId);

/// <summary>Back-channel logout whenever sessions end: per session when some end, for the user when all do.</summary>
internal sealed class BackChannelLogoutOnSessionsEnded(BackChannelLogout backChannel) : ISessionsEndedHandler
{
    public async Task OnSessionsEndingAsync(SessionsEnding ending, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ending);
        if (ending.Everywhere)
        {
            await backChannel.QueueAsync(ending.UserId, sessionId: null, cancellationToken);
            return;
        }

        foreach (var sessionId in ending.SessionIds)
        {
            await backChannel.QueueAsync(ending.UserId, sessionId, cancellationToken);
        }
    }
}
