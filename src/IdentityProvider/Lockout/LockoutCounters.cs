using System.Security.Cryptography;
using System.Text;
using IdentityProvider.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.IdentityModel.Tokens;

namespace IdentityProvider.Lockout;

/// <summary>
/// The shared lockout counters. A failure is counted by one atomic upsert that increments, locks at the threshold
/// with a doubling duration, and skips rows that are locked right now, so parallel attempts on any number of nodes
/// neither lose a count nor count past the lock. The same SQL runs on PostgreSQL and SQLite.
/// </summary>
public sealed class LockoutCounters(ApplicationDbContext db, LockoutPolicyStore policies, ServerSecrets secrets, TimeProvider time)
{
    private const int FingerprintLength = 22;

    public async Task<LockoutCounter?> GetAsync(string userId, bool familiar, CancellationToken cancellationToken = default) =>
        await db.Set<LockoutCounter>().AsNoTracking().FirstOrDefaultAsync(c => c.UserId == userId && c.Familiar == familiar, cancellationToken);

    public bool IsLocked(LockoutCounter? counter) => counter is not null && counter.LockedUntil > time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>A keyed fingerprint of a wrong password, so a repeat can be recognised without keeping the password.</summary>
    public async Task<string> FingerprintAsync(string userId, string password, CancellationToken cancellationToken = default)
    {
        var key = await secrets.GetAsync("lockout-wrong-password", cancellationToken);
        var mac = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(userId + "\n" + password));
        return Base64UrlEncoder.Encode(mac.AsSpan(0, 16).ToArray());
    }

    public static bool IsRecentRepeat(LockoutCounter? counter, string fingerprint) =>
        counter is not null && counter.RecentWrong.Split(' ', StringSplitOptions.RemoveEmptyEntries).Contains(fingerprint, StringComparer.Ordinal);

    /// <summary>Counts one failure. Returns the new state, or null when the class is locked and nothing was counted.</summary>
    public async Task<CounterState?> RecordFailureAsync(string userId, bool familiar, string fingerprint, int remembered, CancellationToken cancellationToken = default)
    {
        var policy = await policies.GetAsync(cancellationToken);
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        long firstMs = policy.FirstLockoutSeconds * 1000L;
        long maxMs = policy.MaximumLockoutSeconds * 1000L;
        var maxLevel = 0;
        while (maxLevel < 30 && firstMs << maxLevel < maxMs)
        {
            maxLevel++;
        }

        var threshold = policy.Threshold;
        var keep = Math.Max(0, (remembered * (FingerprintLength + 1)) - 1);
        var initial = remembered > 0 ? fingerprint : string.Empty;

        var rows = await db.Database.SqlQuery<CounterState>($"""
            INSERT INTO "LockoutCounters" ("UserId", "Familiar", "FailedCount", "LockedUntil", "Level", "RecentWrong")
            VALUES ({userId}, {familiar}, 1, 0, 0, {initial})
            ON CONFLICT ("UserId", "Familiar") DO UPDATE SET
                "FailedCount" = "LockoutCounters"."FailedCount" + 1,
                "LockedUntil" = CASE WHEN "LockoutCounters"."FailedCount" + 1 >= {threshold}
                    THEN {now} + CASE WHEN "LockoutCounters"."Level" >= {maxLevel} THEN {maxMs} ELSE {firstMs} * (1 << "LockoutCounters"."Level") END
                    ELSE 0 END,
                "Level" = CASE WHEN "LockoutCounters"."FailedCount" + 1 >= {threshold} THEN "LockoutCounters"."Level" + 1 ELSE "LockoutCounters"."Level" END,
                "RecentWrong" = substr({fingerprint} || ' ' || "LockoutCounters"."RecentWrong", 1, {keep})
            WHERE "LockoutCounters"."LockedUntil" <= {now}
            RETURNING "FailedCount", "LockedUntil", "Level"
            """).ToListAsync(cancellationToken);
        return rows.Count == 0 ? null : rows[0];
    }

    /// <summary>A successful sign-in clears the counter of the device class it came from.</summary>
    public Task ResetAsync(string userId, bool familiar, CancellationToken cancellationToken = default) =>
        db.Set<LockoutCounter>().Where(c => c.UserId == userId && c.Familiar == familiar)
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.FailedCount, 0).SetProperty(c => c.LockedUntil, 0L)
                .SetProperty(c => c.Level, 0).SetProperty(c => c.RecentWrong, string.Empty), cancellationToken);

    /// <summary>Unlock: clears both device classes and Identity's account lockout.</summary>
    public async Task ClearAllAsync(string userId, CancellationToken cancellationToken = default)
    {
        await db.Set<LockoutCounter>().Where(c => c.UserId == userId)
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.FailedCount, 0).SetProperty(c => c.LockedUntil, 0L)
                .SetProperty(c => c.Level, 0).SetProperty(c => c.RecentWrong, string.Empty), cancellationToken);
        await db.Users.Where(u => u.Id == userId)
            .ExecuteUpdateAsync(s => s.SetProperty(u => u.LockoutEnd, (DateTimeOffset?)null).SetProperty(u => u.AccessFailedCount, 0), cancellationToken);
    }

    /// <summary>A lock of the familiar class locks the whole account in Identity too, so no new tokens are issued.</summary>
    public Task LockAccountAsync(string userId, long lockedUntilMs, CancellationToken cancellationToken = default)
    {
        var until = DateTimeOffset.FromUnixTimeMilliseconds(lockedUntilMs);
        return db.Users.Where(u => u.Id == userId)
            .ExecuteUpdateAsync(s => s.SetProperty(u => u.LockoutEnd, until), cancellationToken);
    }
}

/// <summary>A counter row as the atomic update left it.</summary>
public sealed record CounterState(int FailedCount, long LockedUntil, int Level);
