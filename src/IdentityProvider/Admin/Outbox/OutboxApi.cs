using IdentityProvider.Data;
using Microsoft.EntityFrameworkCore;
using IdentityProvider.Audit;
using IdentityProvider.Messaging;

namespace IdentityProvider.Admin.Outbox;

public sealed record OutboxMessageView(Guid Id, string Channel, string Template, string Recipient, int Attempts, DateTimeOffset CreatedAt, string? LastError);

internal static class OutboxApi
{
    public static void Map(RouteGroupBuilder outbox)
    {
        outbox.MapGet("/", async (OutboxQueries queries, string status = "deadlettered", int page = 1, int pageSize = 50, CancellationToken ct = default) =>
        {
            if (AdminApi.CheckPaging(page, pageSize, out var paging) is { } problem)
            {
                return problem;
            }

            if (!Enum.TryParse<OutboxStatus>(status, ignoreCase: true, out var wanted) || int.TryParse(status, out _))
            {
                return AdminApi.Invalid("status", "Status is pending, sent or deadlettered.");
            }

            var summary = await queries.SummaryAsync(ct);
            var total = wanted switch { OutboxStatus.Pending => summary.Pending, OutboxStatus.Sent => summary.Sent, _ => summary.DeadLettered };
            var items = await queries.ListAsync(wanted, paging.Skip, pageSize, ct);
            return Results.Ok(new Paged<OutboxMessageView>(
                [.. items.Select(m => new OutboxMessageView(m.Id, m.Channel.ToString(), m.Template, IndexModel.Recipient(m), m.Attempts, DateTimeOffset.FromUnixTimeMilliseconds(m.CreatedAt), m.LastError))],
                page, pageSize, total));
        }).WithSummary("Outgoing messages by status (never their bodies; recipients masked).");
        outbox.MapPost("/{id:guid}/retry", async (Guid id, HttpContext http, OutboxQueries queries, ApplicationDbContext db, AuditLog audit, CancellationToken ct) =>
        {
            if (!await queries.RetryAsync(id, ct))
            {
                // No such message is a 404; one that exists but is not dead-lettered (waiting, or sent) a 409.
                return await db.Set<OutboxMessage>().AnyAsync(m => m.Id == id, ct)
                    ? Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "Conflict", detail: "That message is not dead-lettered: it is waiting or was delivered.")
                    : Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: "There is no message with that id.");
            }

            await audit.WriteAsync(AuditEventTypes.AdminOutboxRetried, null, AuditLog.Success, $"by {http.Actor().Id}: message {id}", cancellationToken: ct);
            return Results.NoContent();
        }).WithSummary("Queue a dead-lettered message again.");
    }
}
