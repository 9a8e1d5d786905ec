using System.Security.Cryptography;
using System.Text;
using IdentityProvider.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.IdentityModel.Tokens;

namespace IdentityProvider.Lockout;

/// <summary>
/// The shared lockout counters, one row per subject (an account's id, a keyed hash of an unknown user ID, or a
/// second-factor counter such as <c>step-up:{id}</c>) and device class. An attempt first <em>reserves</em> its place
/// with one atomic upsert that refuses when the subject is locked or every place before the lock is taken; only an
/// attempt holding a place checks the secret. A success gives the places back (the counter resets); a failure keeps
/// its place and, when it held the last one, locks for a doubling duration. So parallel attempts on any number of
/// nodes check at most <c>threshold</c> secrets before the lock, and none while it lasts. The SQL is the same on
/// PostgreSQL and SQLite.
/// </summary>
public sealed class LockoutCounters(ApplicationDbContext db, ServerSecrets secrets, TimeProvider time)
{
    private const int FingerprintLength = 22;

    /// <summary>Counter rows of unknown user IDs are forgotten after this long without an attempt.</summary>
    private static readonly TimeSpan UnknownSubjectRetention = TimeSpan.FromDays(2);

    public const string UnknownPrefix = "unknown:";

    public async Task<LockoutCounter?> GetAsync(string subject, bool familiar, CancellationToken cancellationToken = default) =>
        await db.Set<LockoutCounter>().AsNoTracking().FirstOrDefaultAsync(c => c.UserId == subject && c.Familiar == familiar, cancellationToken);

    /// <summary>The subject under which a user ID that matched no account is counted: a keyed hash of what was typed.</summary>
    public async Task<string> UnknownSubjectAsync(string typedUserId, CancellationToken cancellationToken = default)
    {
        var key = await secrets.GetAsync("lockout-unknown-subject", cancellationToken);
        var mac = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(typedUserId.Trim().Normalize(NormalizationForm.FormKC).ToUpperInvariant()));
        return UnknownPrefix + Convert.ToHexString(mac);
    }

    /// <summary>
    /// Until when attempts of this subject and class are paused, or null when an attempt may go ahead. A counter whose
    /// places are all taken by attempts still being checked is paused too: until the lock those attempts would set.
    /// </summary>
    public DateTimeOffset? PausedUntil(LockoutCounter? counter, LockoutPolicySettings policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        if (counter is null)
        {
            return null;
        }

        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        if (counter.LockedUntil > now)
        {
            return DateTimeOffset.FromUnixTimeMilliseconds(counter.LockedUntil);
        }

        return counter.FailedCount >= policy.Threshold + counter.Level
            ? DateTimeOffset.FromUnixTimeMilliseconds(now + Duration(policy, counter.Level))
            : null;
    }

    /// <summary>
    /// A keyed fingerprint of a wrong secret for this subject and password version, so that a repeat is recognised
    /// without keeping the secret, and a fingerprint stops matching once the password changes.
    /// </summary>
    public async Task<string> FingerprintAsync(string subject, DateTimeOffset? passwordChangedAt, string secret, CancellationToken cancellationToken = default)
    {
        var key = await secrets.GetAsync("lockout-wrong-password", cancellationToken);
        var version = passwordChangedAt?.UtcTicks.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty;
        var mac = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(subject + "\n" + version + "\n" + Passwords.PasswordText.Normalize(secret)));
        return Base64UrlEncoder.Encode(mac.AsSpan(0, 16).ToArray());
    }

    public static bool IsRecentRepeat(LockoutCounter? counter, string fingerprint) =>
        counter is not null && counter.RecentWrong.Split(' ', StringSplitOptions.RemoveEmptyEntries).Contains(fingerprint, StringComparer.Ordinal);

    /// <summary>
    /// Takes the next place in the counter for one attempt, in one atomic statement. Null when the subject is locked or
    /// every place before the next lock is taken: the attempt must then not check the secret.
    /// </summary>
    public async Task<CounterState?> ReserveAsync(string subject, bool familiar, LockoutPolicySettings policy, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var threshold = policy.Threshold;
        var rows = await db.Database.SqlQuery<CounterState>($"""
            INSERT INTO "LockoutCounters" ("UserId", "Familiar", "FailedCount", "LockedUntil", "Level", "RecentWrong", "UpdatedAt")
            VALUES ({subject}, {familiar}, 1, 0, 0, '', {now})
            ON CONFLICT ("UserId", "Familiar") DO UPDATE SET
                "FailedCount" = "LockoutCounters"."FailedCount" + 1,
                "UpdatedAt" = {now}
            WHERE "LockoutCounters"."LockedUntil" <= {now}
                AND "LockoutCounters"."FailedCount" < {threshold} + "LockoutCounters"."Level"
            RETURNING "FailedCount", "LockedUntil", "Level"
            """).ToListAsync(cancellationToken);
        return rows.Count == 0 ? null : rows[0];
    }

    /// <summary>
    /// Records the wrong secret of an attempt that held <paramref name="place"/>: remembers its fingerprint and, when
    /// the place was the last before the lock, locks for <c>first × 2^level</c> (at most the maximum). Returns when
    /// the lock ends if this attempt set it.
    /// </summary>
    public async Task<DateTimeOffset?> RecordWrongAsync(
        string subject, bool familiar, CounterState place, string fingerprint, int remembered, LockoutPolicySettings policy, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(place);
        ArgumentNullException.ThrowIfNull(policy);
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var threshold = policy.Threshold;
        var lockLevel = place.FailedCount >= threshold + place.Level ? place.Level : -1;
        var until = now + Duration(policy, place.Level);
        var keep = Math.Max(0, (remembered * (FingerprintLength + 1)) - 1);
        var rows = await db.Database.SqlQuery<CounterState>($"""
            UPDATE "LockoutCounters" SET
                "RecentWrong" = substr({fingerprint} || ' ' || "RecentWrong", 1, {keep}),
                "LockedUntil" = CASE WHEN "Level" = {lockLevel} AND "FailedCount" >= {threshold} + "Level" THEN {until} ELSE "LockedUntil" END,
                "Level" = CASE WHEN "Level" = {lockLevel} AND "FailedCount" >= {threshold} + "Level" THEN "Level" + 1 ELSE "Level" END,
                "UpdatedAt" = {now}
            WHERE "UserId" = {subject} AND "Familiar" = {familiar}
            RETURNING "FailedCount", "LockedUntil", "Level"
            """).ToListAsync(cancellationToken);
        return lockLevel >= 0 && rows.Count == 1 && rows[0].Level == lockLevel + 1 && rows[0].LockedUntil == until
            ? DateTimeOffset.FromUnixTimeMilliseconds(until)
            : null;
    }

    /// <summary>Gives back the place of an attempt that could not check the secret (the directory it lives in was unreachable).</summary>
    public Task ReleaseAsync(string subject, bool familiar, CancellationToken cancellationToken = default) =>
        db.Set<LockoutCounter>().Where(c => c.UserId == subject && c.Familiar == familiar && c.FailedCount > 0)
            .ExecuteUpdateAsync(set => set.SetProperty(c => c.FailedCount, c => c.FailedCount - 1), cancellationToken);

    /// <summary>A success gives the places back: the counter of the class it came from starts again.</summary>
    public Task ResetAsync(string subject, bool familiar, CancellationToken cancellationToken = default) =>
        db.Set<LockoutCounter>().Where(c => c.UserId == subject && c.Familiar == familiar)
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.FailedCount, 0).SetProperty(c => c.LockedUntil, 0L)
                .SetProperty(c => c.Level, 0).SetProperty(c => c.RecentWrong, string.Empty), cancellationToken);

    /// <summary>Unlock: clears both device classes of the account (and its second-factor counters) and Identity's account lockout.</summary>
    public async Task ClearAllAsync(string userId, CancellationToken cancellationToken = default)
    {
        var stepUp = StepUpSubject(userId);
        await db.Set<LockoutCounter>().Where(c => c.UserId == userId || c.UserId == stepUp)
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.FailedCount, 0).SetProperty(c => c.LockedUntil, 0L)
                .SetProperty(c => c.Level, 0).SetProperty(c => c.RecentWrong, string.Empty), cancellationToken);
        await db.Users.Where(u => u.Id == userId)
            .ExecuteUpdateAsync(s => s.SetProperty(u => u.LockoutEnd, (DateTimeOffset?)null).SetProperty(u => u.AccessFailedCount, 0), cancellationToken);
    }

    /// <summary>A lock of the familiar class locks the whole account in Identity too, so no new tokens are issued.</summary>
    public Task LockAccountAsync(string userId, DateTimeOffset until, CancellationToken cancellationToken = default) =>
        db.Users.Where(u => u.Id == userId).ExecuteUpdateAsync(s => s.SetProperty(u => u.LockoutEnd, until), cancellationToken);

    /// <summary>The counter of wrong second-factor codes at the admin step-up.</summary>
    public static string StepUpSubject(string userId) => "step-up:" + userId;

    /// <summary>Forgets the counters of unknown user IDs that saw no attempt for two days and are not locked.</summary>
    public Task<int> PruneAsync(CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var before = now.Subtract(UnknownSubjectRetention).ToUnixTimeMilliseconds();
        var nowMs = now.ToUnixTimeMilliseconds();
        return db.Set<LockoutCounter>()
            .Where(c => c.UserId.StartsWith(UnknownPrefix) && c.UpdatedAt < before && c.LockedUntil < nowMs)
            .ExecuteDeleteAsync(cancellationToken);
    }

    private static long Duration(LockoutPolicySettings policy, int level)
    {
        long first = policy.FirstLockoutSeconds * 1000L;
        long maximum = policy.MaximumLockoutSeconds * 1000L;
        return level >= 30 || first << level >= maximum ? maximum : first << level;
    }
}

/// <summary>A counter row as an atomic statement left it.</summary>
public sealed record CounterState(int FailedCount, long LockedUntil, int Level);
