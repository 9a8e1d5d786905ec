using System.Text.Json;
using IdentityProvider.Data;
using IdentityProvider.Messaging;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
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
/// Call <see cref="QueueAsync"/> wherever sessions end (sign-out, end-session endpoint, password change or reset,
/// an administrator's reset, disable or "sign out everywhere"), before the user's tokens and authorizations are
/// revoked, in the same unit of work: the deliveries are saved with the caller's next <c>SaveChanges</c>.
/// </para>
/// </summary>
public sealed partial class BackChannelLogout(
    ApplicationDbContext db,
    IOpenIddictApplicationManager applications,
    Outbox outbox,
    IHttpContextAccessor http,
    IOptions<OidcOptions> options,
    TimeProvider time,
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
        var signIns = await db.Set<ClientSignIn>()
            .Where(s => s.UserId == userId && (sessionId == null || s.SessionId == sessionId))
            .ToListAsync(cancellationToken);
        db.RemoveRange(signIns);

        var clients = new HashSet<string>(signIns.Select(s => s.ClientId), StringComparer.Ordinal);
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

    /// <summary>Notes that a browser session signed in to an app, when the app registered for back-channel logout.</summary>
    public async Task RecordSignInAsync(string userId, string? sessionId, object application, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrEmpty(sessionId) || await applications.BackChannelLogoutUriAsync(application, cancellationToken) is null
            || await applications.GetClientIdAsync(application, cancellationToken) is not { } clientId
            || await db.Set<ClientSignIn>().AnyAsync(s => s.SessionId == sessionId && s.ClientId == clientId, cancellationToken))
        {
            return;
        }

        db.Add(new ClientSignIn { UserId = userId, SessionId = sessionId, ClientId = clientId, CreatedAt = time.GetUtcNow() });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // A parallel authorization of the same session and app recorded it first: that is the same fact.
            db.ChangeTracker.Clear();
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

/// <summary>A browser session (<c>sid</c>) signed in to a relying app that registered for back-channel logout.</summary>
public sealed class ClientSignIn
{
    public long Id { get; set; }

    public string UserId { get; set; } = string.Empty;

    /// <summary>The session's <c>sid</c>, as in the app's identity tokens.</summary>
    public string SessionId { get; set; } = string.Empty;

    public string ClientId { get; set; } = string.Empty;

    public DateTimeOffset CreatedAt { get; set; }
}

internal sealed class ClientSignInConfiguration : IEntityTypeConfiguration<ClientSignIn>
{
    public void Configure(EntityTypeBuilder<ClientSignIn> builder)
    {
        builder.ToTable("ClientSignIns");
        builder.Property(s => s.UserId).HasMaxLength(450).IsRequired();
        builder.Property(s => s.SessionId).HasMaxLength(100).IsRequired();
        builder.Property(s => s.ClientId).HasMaxLength(100).IsRequired();
        builder.HasIndex(s => new { s.SessionId, s.ClientId }).IsUnique();
        builder.HasIndex(s => s.UserId);
        builder.HasIndex(s => s.CreatedAt);
    }
}
