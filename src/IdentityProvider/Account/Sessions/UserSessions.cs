using System.Security.Claims;
using System.Security.Cryptography;
using IdentityProvider.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;

namespace IdentityProvider.Account.Sessions;

/// <summary>Sessions of a user about to end: which, and why.</summary>
/// <param name="UserId">Whose sessions end.</param>
/// <param name="SessionIds">The sessions that end (their rows still exist while handlers run).</param>
/// <param name="CredentialChange">
/// True when they end because the user's credentials or standing changed (a reset, a password change, an
/// administrator's reset or revoke, disabling, "sign out everywhere"): everything that could undo it must end too.
/// False for one session signed out or timed out.
/// </param>
/// <param name="Everywhere">True when no session of the user survives (a credential change that keeps no session).</param>
public sealed record SessionsEnding(string UserId, IReadOnlyList<string> SessionIds, bool CredentialChange, bool Everywhere);

/// <summary>
/// Something else that must end with a user's sessions: open recovery journeys and outstanding codes after a credential
/// change, logout notices to relying apps. Modules register one; <see cref="UserSessions"/> runs them all, before the
/// session rows and tokens go, in the caller's unit of work.
/// </summary>
public interface ISessionsEndedHandler
{
    Task OnSessionsEndingAsync(SessionsEnding ending, CancellationToken cancellationToken);
}

/// <summary>
/// Server-side sessions: started at every sign-in, checked at every request that carries the session cookie (one
/// indexed read, joined with the user's security stamp), and ended by sign-out, by the absolute lifetime or idle timeout,
/// or, for all of a user's sessions at once, by any credential change (<see cref="EndAllAsync"/>).
/// </summary>
public sealed class UserSessions(
    ApplicationDbContext db,
    IOpenIddictTokenManager tokens,
    IOpenIddictAuthorizationManager authorizations,
    IEnumerable<ISessionsEndedHandler> handlers,
    IOptions<UserSessionOptions> options,
    TimeProvider time)
{
    /// <summary>The claim of the cookie (and of id_tokens) that names the session: OpenID Connect's <c>sid</c>.</summary>
    public const string SessionIdClaim = "sid";

    private const string CurrentItem = "idp.session";

    /// <summary>Last activity is written at most this often per session.</summary>
    private static readonly TimeSpan LastSeenResolution = TimeSpan.FromMinutes(1);

    /// <summary>Methods that are a factor other than the password (<c>amr</c> values of RFC 8176).</summary>
    public static IReadOnlySet<string> SecondFactors => SignInMethods.SecondFactors;

    public UserSessionOptions Options => options.Value;

    /// <summary>The session the current request's cookie belongs to, once the cookie was validated; null otherwise.</summary>
    public static UserSession? Current(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        return http.Items.TryGetValue(CurrentItem, out var value) ? value as UserSession : null;
    }

    /// <summary>The id of the session the principal's cookie names.</summary>
    public static string? IdOf(ClaimsPrincipal? principal) => principal?.FindFirst(SessionIdClaim)?.Value;

    /// <summary>
    /// A sign-in: a new session, or, when this browser already holds a valid session of the same user (signing in
    /// again, e.g. for <c>prompt=login</c>), that session authenticated afresh. Returns the session id for the cookie.
    /// </summary>
    public async Task<string> SignInAsync(HttpContext http, string userId, bool persistent, IEnumerable<string> methods, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(http);
        var now = time.GetUtcNow();
        var proven = Merge(string.Empty, methods);
        var secondFactorAt = SignInMethods.IncludeSecondFactor(proven.Split(' ')) ? now : (DateTimeOffset?)null;
        if (Current(http) is { } current && current.UserId == userId)
        {
            // Authenticated afresh: amr and acr describe this authentication, not an earlier one.
            await db.Set<UserSession>().Where(s => s.Id == current.Id)
                .ExecuteUpdateAsync(s => s.SetProperty(x => x.AuthenticatedAt, now).SetProperty(x => x.LastSeenAt, now)
                    .SetProperty(x => x.Persistent, persistent).SetProperty(x => x.Methods, proven)
                    .SetProperty(x => x.SecondFactorAt, x => secondFactorAt ?? x.SecondFactorAt), cancellationToken);
            current.AuthenticatedAt = now;
            current.Methods = proven;
            current.SecondFactorAt = secondFactorAt ?? current.SecondFactorAt;
            return current.Id;
        }

        if (Current(http) is { } other)
        {
            // Another account's session in this browser ends: one browser, one signed-in person.
            await EndAsync(other.UserId, other.Id, cancellationToken);
        }

        var userAgent = http.Request.Headers.UserAgent.ToString();
        var session = new UserSession
        {
            Id = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(16)),
            UserId = userId,
            CreatedAt = now,
            AuthenticatedAt = now,
            LastSeenAt = now,
            ExpiresAt = now + options.Value.AbsoluteLifetime,
            Persistent = persistent,
            Methods = proven,
            SecondFactorAt = secondFactorAt,
            UserAgent = userAgent.Length == 0 ? null : userAgent[..Math.Min(userAgent.Length, 256)],
            ClientIp = http.Connection.RemoteIpAddress?.ToString(),
        };
        db.Add(session);
        await db.SaveChangesAsync(cancellationToken);
        return session.Id;
    }

    /// <summary>
    /// Checks the session a cookie names: it exists, belongs to the user, has not outlived its absolute lifetime or
    /// idle timeout, the user is enabled and the cookie's security stamp is the user's current one. Records activity.
    /// </summary>
    public async Task<UserSession?> ValidateAsync(HttpContext http, string? sessionId, string? userId, string? securityStamp, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (string.IsNullOrEmpty(sessionId) || string.IsNullOrEmpty(userId) || sessionId.Length > 64)
        {
            return null;
        }

        var found = await (
            from session in db.Set<UserSession>().AsNoTracking()
            join user in db.Users on session.UserId equals user.Id
            where session.Id == sessionId && session.UserId == userId
            select new { Session = session, user.SecurityStamp, user.IsEnabled }).FirstOrDefaultAsync(cancellationToken);
        if (found is null)
        {
            return null;
        }

        var now = time.GetUtcNow();
        var row = found.Session;
        var idle = !row.Persistent && now - row.LastSeenAt > options.Value.IdleTimeout;
        if (!found.IsEnabled || now >= row.ExpiresAt || idle || !string.Equals(found.SecurityStamp, securityStamp, StringComparison.Ordinal))
        {
            await EndAsync(userId, sessionId, cancellationToken);
            return null;
        }

        if (now - row.LastSeenAt >= LastSeenResolution)
        {
            await db.Set<UserSession>().Where(s => s.Id == sessionId).ExecuteUpdateAsync(s => s.SetProperty(x => x.LastSeenAt, now), cancellationToken);
            row.LastSeenAt = now;
        }

        http.Items[CurrentItem] = row;
        return row;
    }

    /// <summary>The user authenticated again in this session (re-entered the password, or proved a second factor).</summary>
    public async Task AuthenticatedAsync(HttpContext http, string method, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (Current(http) is not { } session)
        {
            return;
        }

        var now = time.GetUtcNow();
        var methods = Merge(session.Methods, [method]);
        var secondFactor = SecondFactors.Contains(method);
        await db.Set<UserSession>().Where(s => s.Id == session.Id)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.AuthenticatedAt, now).SetProperty(x => x.Methods, methods)
                .SetProperty(x => x.SecondFactorAt, x => secondFactor ? now : x.SecondFactorAt), cancellationToken);
        session.AuthenticatedAt = now;
        session.Methods = methods;
        if (secondFactor)
        {
            session.SecondFactorAt = now;
        }
    }

    /// <summary>
    /// True when the user authenticated in this session within <see cref="UserSessionOptions.RecentAuthenticationWindow"/>
    /// and after their password last changed: what changing recovery methods or other sessions needs.
    /// </summary>
    public bool IsRecentlyAuthenticated(HttpContext http, ApplicationUser user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return Current(http) is { } session && session.UserId == user.Id
            && time.GetUtcNow() - session.AuthenticatedAt <= options.Value.RecentAuthenticationWindow
            && (user.PasswordChangedAt is not { } changed || session.AuthenticatedAt >= changed);
    }

    /// <summary>True when the user proved a second factor in this session within <see cref="UserSessionOptions.StepUpWindow"/>.</summary>
    public bool HasFreshSecondFactor(HttpContext http, string? userId) =>
        Current(http) is { SecondFactorAt: { } at } session && session.UserId == userId && time.GetUtcNow() - at <= options.Value.StepUpWindow;

    /// <summary>The user's sessions that have not ended, newest first.</summary>
    public async Task<List<UserSession>> ListAsync(string userId, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var idleSince = now - options.Value.IdleTimeout;
        var sessions = await db.Set<UserSession>().AsNoTracking().Where(s => s.UserId == userId).ToListAsync(cancellationToken);
        return [.. sessions.Where(s => s.ExpiresAt > now && (s.Persistent || s.LastSeenAt >= idleSince)).OrderByDescending(s => s.CreatedAt)];
    }

    /// <summary>Records that a relying app received an authorization in this session (its tokens end with the session).</summary>
    public async Task LinkAuthorizationAsync(string sessionId, string authorizationId, string clientId, CancellationToken cancellationToken = default)
    {
        if (!await db.Set<UserSessionAuthorization>().AnyAsync(a => a.SessionId == sessionId && a.AuthorizationId == authorizationId, cancellationToken))
        {
            db.Add(new UserSessionAuthorization { SessionId = sessionId, AuthorizationId = authorizationId, ClientId = clientId });
            await db.SaveChangesAsync(cancellationToken);
        }
    }

    /// <summary>The authorization a relying app holds in this session, if it got one already.</summary>
    public Task<string?> FindAuthorizationAsync(string sessionId, string clientId, CancellationToken cancellationToken = default) =>
        db.Set<UserSessionAuthorization>().AsNoTracking().Where(a => a.SessionId == sessionId && a.ClientId == clientId)
            .Select(a => a.AuthorizationId).FirstOrDefaultAsync(cancellationToken);

    /// <summary>
    /// Signs one session out: the row goes (the cookie stops working at its next request, on every node) and the
    /// authorizations and tokens relying apps received in it are revoked. False when it was not the user's, or gone.
    /// </summary>
    public async Task<bool> EndAsync(string userId, string sessionId, CancellationToken cancellationToken = default)
    {
        if (!await db.Set<UserSession>().AnyAsync(s => s.Id == sessionId && s.UserId == userId, cancellationToken))
        {
            return false;
        }

        await NotifyAsync(new SessionsEnding(userId, [sessionId], CredentialChange: false, Everywhere: false), cancellationToken);
        var deleted = await db.Set<UserSession>().Where(s => s.Id == sessionId && s.UserId == userId).ExecuteDeleteAsync(cancellationToken);
        await RevokeAuthorizationsAsync([sessionId], cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        return deleted == 1;
    }

    /// <summary>
    /// Ends everything that could undo a credential change: every session of the user but <paramref name="keepSessionId"/>
    /// (at their next request, on every node), a new security stamp, every refresh token and authorization, and what
    /// the other modules hold (<see cref="ISessionsEndedHandler"/>: open recovery journeys, outstanding codes, logout
    /// notices to apps).
    /// Used by a reset, a password change, an administrator's reset, disabling a user and "sign out everywhere".
    /// Runs in the caller's transaction; the tracked <paramref name="user"/> is kept in step with the new stamp.
    /// </summary>
    public async Task EndAllAsync(ApplicationUser user, string? keepSessionId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        var stamp = Guid.NewGuid().ToString("N").ToUpperInvariant();
        var concurrency = Guid.NewGuid().ToString();
        await db.Users.Where(u => u.Id == user.Id)
            .ExecuteUpdateAsync(s => s.SetProperty(u => u.SecurityStamp, stamp).SetProperty(u => u.ConcurrencyStamp, concurrency), cancellationToken);
        var entry = db.Entry(user);
        if (entry.State is EntityState.Unchanged or EntityState.Modified)
        {
            entry.Property(u => u.SecurityStamp).OriginalValue = stamp;
            entry.Property(u => u.ConcurrencyStamp).OriginalValue = concurrency;
        }

        user.SecurityStamp = stamp;
        user.ConcurrencyStamp = concurrency;

        var ended = await db.Set<UserSession>().Where(s => s.UserId == user.Id && s.Id != keepSessionId).Select(s => s.Id).ToListAsync(cancellationToken);
        await NotifyAsync(new SessionsEnding(user.Id, ended, CredentialChange: true, Everywhere: keepSessionId is null), cancellationToken);
        await db.Set<UserSession>().Where(s => s.UserId == user.Id && s.Id != keepSessionId).ExecuteDeleteAsync(cancellationToken);
        await db.Set<UserSessionAuthorization>().Where(a => ended.Contains(a.SessionId)).ExecuteDeleteAsync(cancellationToken);
        await tokens.RevokeBySubjectAsync(user.Id, cancellationToken);
        await authorizations.RevokeBySubjectAsync(user.Id, cancellationToken);
    }

    private async Task NotifyAsync(SessionsEnding ending, CancellationToken cancellationToken)
    {
        foreach (var handler in handlers)
        {
            await handler.OnSessionsEndingAsync(ending, cancellationToken);
        }
    }

    /// <summary>Deletes sessions that are over (absolute lifetime, or idle and not persistent) and their links.</summary>
    public async Task<int> PruneAsync(CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var idleSince = now - options.Value.IdleTimeout;
        var over = await db.Set<UserSession>().Where(s => s.ExpiresAt <= now || (!s.Persistent && s.LastSeenAt < idleSince))
            .Select(s => s.Id).Take(1000).ToListAsync(cancellationToken);
        if (over.Count == 0)
        {
            return 0;
        }

        await db.Set<UserSession>().Where(s => over.Contains(s.Id)).ExecuteDeleteAsync(cancellationToken);
        await db.Set<UserSessionAuthorization>().Where(a => over.Contains(a.SessionId)).ExecuteDeleteAsync(cancellationToken);
        return over.Count;
    }

    private async Task RevokeAuthorizationsAsync(IReadOnlyCollection<string> sessionIds, CancellationToken cancellationToken)
    {
        var links = await db.Set<UserSessionAuthorization>().Where(a => sessionIds.Contains(a.SessionId)).ToListAsync(cancellationToken);
        foreach (var link in links)
        {
            await tokens.RevokeByAuthorizationIdAsync(link.AuthorizationId, cancellationToken);
            if (await authorizations.FindByIdAsync(link.AuthorizationId, cancellationToken) is { } authorization)
            {
                await authorizations.TryRevokeAsync(authorization, cancellationToken);
            }
        }

        await db.Set<UserSessionAuthorization>().Where(a => sessionIds.Contains(a.SessionId)).ExecuteDeleteAsync(cancellationToken);
    }

    private static string Merge(string existing, IEnumerable<string> added) =>
        string.Join(' ', existing.Split(' ', StringSplitOptions.RemoveEmptyEntries).Concat(added).Where(m => m.Length is > 0 and <= 20).Distinct(StringComparer.Ordinal).Take(8));
}
