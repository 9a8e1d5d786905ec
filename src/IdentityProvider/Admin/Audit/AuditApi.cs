using IdentityProvider.Data;
using Microsoft.EntityFrameworkCore;

namespace IdentityProvider.Admin.Audit;

public sealed record AuditEventView(long Id, DateTimeOffset Time, string EventType, string? UserId, string Outcome, string? Reason, string? Method, string? ClientIp, string? UserAgent);

internal static class AuditApi
{
    public static void Map(RouteGroupBuilder audit) =>
        audit.MapGet("/", ListAsync).WithSummary("Audit events, newest first, filtered by period, user, event type (prefix), outcome and client IP.");

    private static async Task<IResult> ListAsync(
        ApplicationDbContext db,
        DateTimeOffset? from = null,
        DateTimeOffset? to = null,
        string? userId = null,
        string? type = null,
        string? outcome = null,
        string? ip = null,
        int page = 1,
        int pageSize = 50,
        CancellationToken cancellationToken = default)
    {
        if (AdminApi.CheckPaging(page, pageSize) is { } problem)
        {
            return problem;
        }

        if (from > to)
        {
            return AdminApi.Invalid("from", "The start of the period is after its end.");
        }

        if (outcome is not (null or "success" or "failure"))
        {
            return AdminApi.Invalid("outcome", "Outcome is success or failure.");
        }

        var query = db.Set<IdentityProvider.Audit.AuditEvent>().AsNoTracking();
        if (from is { } start)
        {
            query = query.Where(e => e.Time >= start);
        }

        if (to is { } end)
        {
            query = query.Where(e => e.Time <= end);
        }

        if (!string.IsNullOrEmpty(userId))
        {
            query = query.Where(e => e.UserId == userId);
        }

        if (!string.IsNullOrEmpty(type))
        {
            query = query.Where(e => e.EventType.StartsWith(type));
        }

        if (outcome is not null)
        {
            query = query.Where(e => e.Outcome == outcome);
        }

        if (!string.IsNullOrEmpty(ip))
        {
            query = query.Where(e => e.ClientIp == ip);
        }

        var total = await query.CountAsync(cancellationToken);
        var items = await query.OrderByDescending(e => e.Id).Skip((page - 1) * pageSize).Take(pageSize)
            .Select(e => new AuditEventView(e.Id, e.Time, e.EventType, e.UserId, e.Outcome, e.Reason, e.Method, e.ClientIp, e.UserAgent)).ToListAsync(cancellationToken);
        return Results.Ok(new Paged<AuditEventView>(items, page, pageSize, total));
    }
}
