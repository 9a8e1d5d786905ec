using System.Diagnostics.Metrics;
using IdentityProvider.Data;
using IdentityProvider.Telemetry;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace IdentityProvider.Messaging;

/// <summary>
/// The outbox's depth and the age of its oldest pending message, as observable gauges. A collection never queries the
/// database: the dispatcher samples with one query at most every <see cref="MessagingOptions.MetricsInterval"/>, and the
/// gauges report the last sample (the age computed at collection time). Nodes without a running dispatcher report
/// nothing; every dispatching node reports the same, shared outbox.
/// </summary>
public sealed class OutboxGauges
{
    private readonly TimeProvider time;
    private readonly IOptions<MessagingOptions> options;
    private Sample? last;

    public OutboxGauges(IdentityProviderMetrics metrics, TimeProvider time, IOptions<MessagingOptions> options)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        this.time = time;
        this.options = options;
        metrics.Meter.CreateObservableGauge("identity_provider.outbox.pending", Pending, "{message}",
            "Messages waiting in the outbox (due now or scheduled for a retry).");
        metrics.Meter.CreateObservableGauge("identity_provider.outbox.oldest_pending.age", OldestAge, "s",
            "Age of the oldest message waiting in the outbox; 0 when none waits.");
    }

    /// <summary>Counts the pending messages unless the last count is recent enough.</summary>
    public async Task SampleAsync(ApplicationDbContext db, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        var now = time.GetUtcNow();
        if (last is { } previous && now - previous.At < options.Value.MetricsInterval)
        {
            return;
        }

        var pending = db.Set<OutboxMessage>().Where(m => m.Status == OutboxStatus.Pending);
        var counts = await pending.GroupBy(_ => 1)
            .Select(g => new { Count = g.LongCount(), Oldest = g.Min(m => m.CreatedAt) })
            .SingleOrDefaultAsync(cancellationToken);
        last = new Sample(now, counts?.Count ?? 0, counts?.Oldest);
    }

    private IEnumerable<Measurement<long>> Pending() => last is { } sample ? [new(sample.Pending)] : [];

    private IEnumerable<Measurement<double>> OldestAge()
    {
        if (last is not { } sample)
        {
            return [];
        }

        var age = sample.OldestCreatedAt is { } created ? Math.Max(0, (time.GetUtcNow().ToUnixTimeMilliseconds() - created) / 1000.0) : 0;
        return [new(age)];
    }

    private sealed record Sample(DateTimeOffset At, long Pending, long? OldestCreatedAt);
}
