using System.Security.Cryptography;
using System.Text;
using IdentityProvider.Audit;
using IdentityProvider.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace IdentityProvider.SelfService.Recovery;

/// <summary>
/// The per-account limits of self-service (section <c>SelfService:Throttles</c>): failed proofs per 24 hours, tries per
/// gate per hour, code emails per 10 minutes and journeys per hour. Every counted attempt is a row, so the windows
/// slide and every node sees the same counts. Going over a limit blocks self-service for the subject for the block
/// duration from that attempt, writes an audit event, and is cleared only by a successful reset or unlock.
/// <para>As with sign-in lockout, attempts from a browser the account signed in from before (the familiar-device cookie)
/// are counted apart from everyone else's: a stranger who starts journeys or guesses codes for somebody's user ID blocks
/// strangers, not the user's own browser.</para>
/// </summary>
public sealed class RecoveryThrottle(
    ApplicationDbContext db,
    ServerSecrets secrets,
    AuditLog audit,
    Lockout.FamiliarDevices devices,
    IHttpContextAccessor http,
    IOptions<SelfServiceOptions> options,
    TimeProvider time)
{
    /// <summary>The subject prefix of the counts and blocks of an account's familiar browsers.</summary>
    public const string FamiliarPrefix = "familiar:";

    public const string FailedProof = "failed-proof";
    public const string Email = "email";
    public const string Start = "start";
    public const string PhoneCheck = "gate:phone-check";

    public static string Gate(RecoveryMethod method) => "gate:" + method;

    /// <summary>The subject of a user ID that matched no account: a keyed hash, so unknown IDs are throttled alike.</summary>
    public async Task<string> UnknownSubjectAsync(string typedUserId, CancellationToken cancellationToken = default)
    {
        var key = await secrets.GetAsync("recovery-unknown-subject", cancellationToken);
        var mac = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(typedUserId.Trim().ToUpperInvariant()));
        return "unknown:" + Convert.ToHexString(mac);
    }

    /// <summary>When the subject's block ends, if it is blocked now.</summary>
    public async Task<DateTimeOffset?> BlockedUntilAsync(string subject, CancellationToken cancellationToken = default)
    {
        subject = Classify(subject);
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var until = await db.Set<RecoveryBlock>().AsNoTracking().Where(b => b.Subject == subject && b.BlockedUntil > now)
            .Select(b => (long?)b.BlockedUntil).FirstOrDefaultAsync(cancellationToken);
        return until is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;
    }

    /// <summary>
    /// Counts one attempt of <paramref name="kind"/>. Returns when the block ends if this attempt is one too many (the
    /// attempt must then not go ahead), or null when it may.
    /// </summary>
    public async Task<DateTimeOffset?> RecordAsync(string subject, string kind, string? userId, CancellationToken cancellationToken = default)
    {
        subject = Classify(subject);
        var (limit, window, inclusive) = Limit(kind);
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        db.Add(new RecoveryAttempt { Subject = subject, Kind = kind, At = now });
        await db.SaveChangesAsync(cancellationToken);
        var since = now - (long)window.TotalMilliseconds;
        var count = await db.Set<RecoveryAttempt>().CountAsync(a => a.Subject == subject && a.Kind == kind && a.At > since, cancellationToken);

        // Failed proofs block at the limit (the fifth wrong answer); other kinds refuse the attempt after the limit.
        if (inclusive ? count < limit : count <= limit)
        {
            return null;
        }

        var until = now + (long)options.Value.Throttles.BlockDuration.TotalMilliseconds;
        var updated = await db.Set<RecoveryBlock>().Where(b => b.Subject == subject)
            .ExecuteUpdateAsync(s => s.SetProperty(b => b.BlockedUntil, until).SetProperty(b => b.Reason, kind), cancellationToken);
        if (updated == 0)
        {
            db.Add(new RecoveryBlock { Subject = subject, BlockedUntil = until, Reason = kind });
            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateException)
            {
                // Another request blocked the subject at the same moment; its block stands.
                db.ChangeTracker.Clear();
            }
        }

        audit.Add(AuditEventTypes.RecoveryBlocked, userId, AuditLog.Failure, kind);
        await audit.SaveAsync(cancellationToken);
        return DateTimeOffset.FromUnixTimeMilliseconds(until);
    }

    /// <summary>
    /// How many more attempts of <paramref name="kind"/> the subject has (as counted for this browser) before self-service is
    /// blocked, so the pages can warn before the block rather than after it.
    /// </summary>
    public async Task<int> RemainingAsync(string subject, string kind, CancellationToken cancellationToken = default)
    {
        subject = Classify(subject);
        var (limit, window, _) = Limit(kind);
        var since = time.GetUtcNow().ToUnixTimeMilliseconds() - (long)window.TotalMilliseconds;
        var count = await db.Set<RecoveryAttempt>().CountAsync(a => a.Subject == subject && a.Kind == kind && a.At > since, cancellationToken);
        return Math.Max(0, limit - count);
    }

    /// <summary>How long a block lasts.</summary>
    public TimeSpan BlockDuration => options.Value.Throttles.BlockDuration;

    /// <summary>A successful reset or unlock clears every count and block of the account (in the caller's transaction).</summary>
    public async Task ClearAsync(string subject, CancellationToken cancellationToken = default)
    {
        var familiar = FamiliarPrefix + subject;
        await db.Set<RecoveryAttempt>().Where(a => a.Subject == subject || a.Subject == familiar).ExecuteDeleteAsync(cancellationToken);
        await db.Set<RecoveryBlock>().Where(b => b.Subject == subject || b.Subject == familiar).ExecuteDeleteAsync(cancellationToken);
    }

    /// <summary>An account's subject as counted for this request's browser: its familiar class, or everyone else's.</summary>
    private string Classify(string subject) =>
        !subject.StartsWith("unknown:", StringComparison.Ordinal) && http.HttpContext is { } context && devices.IsFamiliar(context, subject)
            ? FamiliarPrefix + subject
            : subject;

    /// <summary>Deletes attempts older than any window and blocks that ended.</summary>
    public async Task PruneAsync(CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var oldest = now - (long)TimeSpan.FromDays(2).TotalMilliseconds;
        await db.Set<RecoveryAttempt>().Where(a => a.At < oldest).ExecuteDeleteAsync(cancellationToken);
        await db.Set<RecoveryBlock>().Where(b => b.BlockedUntil < now).ExecuteDeleteAsync(cancellationToken);
    }

    private (int Limit, TimeSpan Window, bool Inclusive) Limit(string kind)
    {
        var limits = options.Value.Throttles;
        return kind switch
        {
            FailedProof => (limits.FailedProofsPerDay, TimeSpan.FromHours(24), true),
            Email => (limits.EmailsPerTenMinutes, TimeSpan.FromMinutes(10), false),
            Start => (limits.JourneysStartedPerHour, TimeSpan.FromHours(1), false),
            _ => (limits.GateAttemptsPerHour, TimeSpan.FromHours(1), false),
        };
    }
}

/// <summary>What the "self-service is blocked" partial shows: when the block ends, who can help (a page, if any), the way back.</summary>
/// <param name="Until">When the block ends.</param>
/// <param name="ContactUrl">The contact page of the journey, or the organisation's help page; null when there is none to offer.</param>
/// <param name="SignInUrl">Back to sign in.</param>
public sealed record BlockedView(DateTimeOffset Until, string? ContactUrl, string SignInUrl);
