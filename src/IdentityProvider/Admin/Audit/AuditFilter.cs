using IdentityProvider.Audit;

namespace IdentityProvider.Admin.Audit;

/// <summary>The one audit-log filter of the page, its CSV export and the API; empty criteria are ignored.</summary>
public sealed record AuditFilter(DateTimeOffset? From, DateTimeOffset? To, string? UserId, string? EventType, string? Outcome, string? ClientIp, string? ActorId = null)
{
    /// <summary>Each problem with the criteria, with the parameter it belongs to.</summary>
    public IEnumerable<(string Field, string Message)> Problems()
    {
        if (From > To)
        {
            yield return ("from", "The start of the period is after its end.");
        }

        if (Outcome is { Length: > 0 } and not (AuditLog.Success or AuditLog.Failure))
        {
            yield return ("outcome", "Outcome is success or failure.");
        }

        foreach (var (field, value, max) in new[] { ("user", UserId, 450), ("type", EventType, 64), ("ip", ClientIp, 64), ("actor", ActorId, 450) })
        {
            if (value is { } text && text.Length > max)
            {
                yield return (field, $"The {field} filter is too long.");
            }
        }
    }

    public IQueryable<AuditEvent> Apply(IQueryable<AuditEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (From is { } from)
        {
            events = events.Where(e => e.Time >= from);
        }

        if (To is { } to)
        {
            events = events.Where(e => e.Time <= to);
        }

        if (!string.IsNullOrWhiteSpace(UserId))
        {
            var user = UserId.Trim();
            events = events.Where(e => e.UserId == user);
        }

        if (!string.IsNullOrWhiteSpace(ActorId))
        {
            var actor = ActorId.Trim();
            events = events.Where(e => e.ActorId == actor);
        }

        if (!string.IsNullOrWhiteSpace(EventType))
        {
            var type = EventType.Trim();
            events = events.Where(e => e.EventType.StartsWith(type));
        }

        if (!string.IsNullOrWhiteSpace(Outcome))
        {
            var outcome = Outcome.Trim();
            events = events.Where(e => e.Outcome == outcome);
        }

        if (!string.IsNullOrWhiteSpace(ClientIp))
        {
            var ip = ClientIp.Trim();
            events = events.Where(e => e.ClientIp == ip);
        }

        return events;
    }
}
