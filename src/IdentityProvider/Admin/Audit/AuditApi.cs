using IdentityProvider.Data;
using Microsoft.EntityFrameworkCore;

namespace IdentityProvider.Admin.Audit;

/// <summary>An audit event: <c>userId</c> is the account it is about, <c>actorId</c> who acted, <c>traceId</c> the request's trace.</summary>
public sealed record AuditEventView(
    long Id, DateTimeOffset Time, string EventType, string? UserId, string Outcome, string? Reason, string? Method, string? ClientIp, string? UserAgent,
    string? ActorId, string? TraceId);

internal static class AuditApi
{
    public static void Map(RouteGroupBuilder audit) =>
        audit.MapGet("/", ListAsync).WithSummary("Audit events, newest first, filtered by period, user, acting person or client, event type (prefix), outcome and client IP.");

    private static async Task<IResult> ListAsync(
        ApplicationDbContext db,
        DateTimeOffset? from = null,
        DateTimeOffset? to = null,
        string? userId = null,
        string? type = null,
        string? outcome = null,
        string? ip = null,
        string? actorId = null,
        int page = 1,
        int pageSize = 50,
        CancellationToken cancellationToken = default)
    {
        if (AdminApi.CheckPaging(page, pageSize, out var paging) is { } problem)
        {
            return problem;
        }

        var filter = new AuditFilter(from, to, userId, type, outcome, ip, actorId);
        if (filter.Problems().FirstOrDefault() is { Field: { } field, Message: var message })
        {
            return AdminApi.Invalid(field, message);
        }

        var query = filter.Apply(db.Set<IdentityProvider.Audit.AuditEvent>().AsNoTracking());
        var total = await query.CountAsync(cancellationToken);
        var items = await query.OrderByDescending(e => e.Id).Skip(paging.Skip).Take(pageSize)
            .Select(e => new AuditEventView(e.Id, e.Time, e.EventType, e.UserId, e.Outcome, e.Reason, e.Method, e.ClientIp, e.UserAgent, e.ActorId, e.TraceId)).ToListAsync(cancellationToken);
        return Results.Ok(new Paged<AuditEventView>(items, page, pageSize, total));
    }
}
