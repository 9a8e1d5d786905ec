using System.Diagnostics;
using IdentityProvider.Data;
using IdentityProvider.Telemetry;
using Microsoft.EntityFrameworkCore;
using OpenIddict.Abstractions;

namespace IdentityProvider.Audit;

/// <summary>
/// The one writer of security events. Each event is about an account (the target, <c>userId</c>) and gets, from the
/// current request: the acting person (the signed-in user, or the caller an API filter named in
/// <see cref="ActorItem"/>), the client IP (after trusted proxies, see Hosting), the user agent and the trace id (the
/// current <see cref="Activity"/>'s W3C trace id, else the request id). Callers never pass secrets, codes or tokens.
/// Events are counted on the application's metrics (<see cref="AuditMetrics"/>) once a SaveChanges has stored them, not
/// when added: an event whose unit of work fails is not counted.
/// </summary>
public sealed class AuditLog(ApplicationDbContext db, IHttpContextAccessor http, TimeProvider time, IdentityProviderMetrics metrics)
{
    private readonly List<AuditEvent> unsaved = [];

    public const string Success = "success";
    public const string Failure = "failure";

    /// <summary>
    /// <see cref="HttpContext.Items"/> key naming who acts when it is not the cookie's user, e.g. the admin API's
    /// caller (<c>client &lt;id&gt;</c> or a person's id from a bearer token).
    /// </summary>
    public const string ActorItem = "audit.actor";

    /// <summary>Adds the event to the unit of work; it is saved with the caller's next SaveChanges.</summary>
    /// <param name="eventType">What happened (<see cref="AuditEventTypes"/>).</param>
    /// <param name="userId">The account it is about, when known.</param>
    /// <param name="outcome"><see cref="Success"/> or <see cref="Failure"/>.</param>
    /// <param name="reason">A short code or description (at most 200 characters are kept).</param>
    /// <param name="method">The verification method involved, if any.</param>
    /// <param name="actorId">Who acted, when the request does not say it (e.g. the client at the token endpoint).</param>
    public void Add(string eventType, string? userId, string outcome, string? reason = null, string? method = null, string? actorId = null)
    {
        var context = http.HttpContext;
        var userAgent = context?.Request.Headers.UserAgent.ToString();
        if (unsaved.Count == 0)
        {
            db.SavedChanges += CountSaved;
        }

        var added = new AuditEvent
        {
            Time = time.GetUtcNow(),
            EventType = eventType,
            UserId = userId,
            ActorId = Truncate(actorId ?? ActorOf(context), 450),
            Outcome = outcome,
            Reason = Truncate(reason, 200),
            Method = method,
            ClientIp = context?.Connection.RemoteIpAddress?.ToString(),
            UserAgent = Truncate(string.IsNullOrEmpty(userAgent) ? null : userAgent, 256),
            TraceId = Truncate(TraceIdOf(context), 64),
        };
        db.Add(added);
        unsaved.Add(added);
    }

    /// <summary>Saves the events added so far.</summary>
    public Task SaveAsync(CancellationToken cancellationToken = default) => db.SaveChangesAsync(cancellationToken);

    /// <summary>Adds and saves the event at once.</summary>
    public async Task WriteAsync(string eventType, string? userId, string outcome, string? reason = null, CancellationToken cancellationToken = default)
    {
        Add(eventType, userId, outcome, reason);
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>
    /// After any SaveChanges of the unit of work: the events it stored are counted; events still waiting stay for the next
    /// one; events no longer tracked (the caller cleared its changes) are dropped uncounted.
    /// </summary>
    private void CountSaved(object? sender, SavedChangesEventArgs e)
    {
        unsaved.RemoveAll(added =>
        {
            var state = db.Entry(added).State;
            if (state == EntityState.Unchanged)
            {
                AuditMetrics.Record(metrics, added);
            }

            return state != EntityState.Added;
        });
        if (unsaved.Count == 0)
        {
            db.SavedChanges -= CountSaved;
        }
    }

    /// <summary>Who acts in this request: the caller an API filter named, else the signed-in user, else nobody.</summary>
    internal static string? ActorOf(HttpContext? context)
    {
        if (context is null)
        {
            return null;
        }

        if (context.Items.TryGetValue(ActorItem, out var named) && named is string actor)
        {
            return actor;
        }

        return context.User.Identity?.IsAuthenticated == true ? context.User.FindFirst(OpenIddictConstants.Claims.Subject)?.Value : null;
    }

    private static string? TraceIdOf(HttpContext? context) =>
        Activity.Current is { } activity && activity.TraceId != default ? activity.TraceId.ToHexString() : context?.TraceIdentifier;

    private static string? Truncate(string? value, int length) => value is null || value.Length <= length ? value : value[..length];
}
