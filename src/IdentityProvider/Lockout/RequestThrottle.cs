using IdentityProvider.Audit;
using IdentityProvider.Data;
using IdentityProvider.Telemetry;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace IdentityProvider.Lockout;

/// <summary>
/// Per-client-IP request limits that hold across nodes: a fixed-window counter per key in the database, incremented by
/// one atomic upsert. Old windows are deleted now and then.
/// </summary>
public sealed class RequestThrottle(ApplicationDbContext db, IOptions<LockoutOptions> options, AuditLog audit, TimeProvider time, IdentityProviderMetrics metrics)
{
    public const string SignIn = "sign-in";
    public const string RecoveryStart = "recovery-start";

    /// <summary>Counts this request; when over the limit, returns how long until the window ends.</summary>
    public async Task<TimeSpan?> CheckAsync(HttpContext context, string policy, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var settings = options.Value;
        var limit = policy == SignIn ? settings.SignInPerIpLimit : settings.RecoveryStartPerIpLimit;
        var windowMs = (long)settings.ThrottleWindow.TotalMilliseconds;
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var windowStart = now - (now % windowMs);
        var key = $"{policy}:{context.Connection.RemoteIpAddress}";

        var counts = await db.Database.SqlQuery<int>($"""
            INSERT INTO "ThrottleCounters" ("Key", "WindowStart", "Count") VALUES ({key}, {windowStart}, 1)
            ON CONFLICT ("Key", "WindowStart") DO UPDATE SET "Count" = "ThrottleCounters"."Count" + 1
            RETURNING "Count" AS "Value"
            """).ToListAsync(cancellationToken);

        if (Random.Shared.Next(200) == 0)
        {
            var stale = windowStart - (10 * windowMs);
            await db.Set<ThrottleCounter>().Where(c => c.WindowStart < stale).ExecuteDeleteAsync(cancellationToken);
        }

        if (counts[0] <= limit)
        {
            return null;
        }

        metrics.Throttle(policy);
        if (counts[0] == limit + 1)
        {
            await audit.WriteAsync(AuditEventTypes.Throttled, null, AuditLog.Failure, policy, cancellationToken);
        }

        return TimeSpan.FromMilliseconds(windowStart + windowMs - now);
    }
}
