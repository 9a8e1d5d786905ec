using IdentityProvider.Data;
using Microsoft.EntityFrameworkCore;

namespace IdentityProvider.Messaging;

/// <summary>Outbox state for the admin pages: counts, dead letters with their reasons, and retrying them.</summary>
public sealed class OutboxQueries(ApplicationDbContext db, TimeProvider time)
{
    public async Task<OutboxSummary> SummaryAsync(CancellationToken cancellationToken = default)
    {
        var counts = await db.Set<OutboxMessage>().GroupBy(m => m.Status)
            .Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count, cancellationToken);
        return new OutboxSummary(
            counts.GetValueOrDefault(OutboxStatus.Pending),
            counts.GetValueOrDefault(OutboxStatus.Sent),
            counts.GetValueOrDefault(OutboxStatus.DeadLettered));
    }

    public Task<List<OutboxMessage>> ListAsync(OutboxStatus status, int skip = 0, int take = 50, CancellationToken cancellationToken = default) =>
        db.Set<OutboxMessage>().AsNoTracking().Where(m => m.Status == status)
            .OrderByDescending(m => m.CreatedAt).Skip(skip).Take(Math.Clamp(take, 1, 500)).ToListAsync(cancellationToken);

    /// <summary>Puts a dead-lettered message back in line with a fresh set of attempts. False if it is not dead-lettered.</summary>
    public async Task<bool> RetryAsync(Guid id, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        return await db.Set<OutboxMessage>().Where(m => m.Id == id && m.Status == OutboxStatus.DeadLettered)
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.Status, OutboxStatus.Pending).SetProperty(m => m.Attempts, 0)
                .SetProperty(m => m.NextAttemptAt, now).SetProperty(m => m.LeaseUntil, 0L), cancellationToken) == 1;
    }
}

public sealed record OutboxSummary(int Pending, int Sent, int DeadLettered);
