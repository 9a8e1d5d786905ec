using IdentityProvider.Audit;
using IdentityProvider.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace IdentityProvider.Lockout;

/// <summary>
/// The one password check with smart lockout, used by the sign-in page and by every password re-authentication.
/// <list type="number">
/// <item>While the subject is locked for this browser's device class, no password is checked and every attempt, right
/// or wrong, gets the same answer: paused until a given time.</item>
/// <item>A repeat of one of the last wrong passwords is refused without counting or hashing.</item>
/// <item>Otherwise the attempt reserves its place in the counter first (one atomic statement); only an attempt holding
/// a place hashes the password, so parallel attempts check at most <c>threshold</c> passwords.</item>
/// </list>
/// Unknown user IDs are counted too, under a keyed hash of what was typed, and disabled accounts under their id; both
/// run a dummy hash and never succeed, so neither content nor timing tells them from a known account.
/// </summary>
public sealed partial class PasswordVerifier(
    UserManager<ApplicationUser> users,
    Passwords.PasswordHashGate hashes,
    LockoutCounters counters,
    StoredPolicy<LockoutPolicySettings> policies,
    FamiliarDevices devices,
    Passwords.IExternalAccountSource outside,
    AuditLog audit,
    IOptions<LockoutOptions> options,
    TimeProvider time,
    ILogger<PasswordVerifier> logger)
{
    private static string? dummyHash;

    /// <summary>Signs in by username or email address, as typed.</summary>
    public async Task<PasswordVerification> VerifyAsync(HttpContext context, string userNameOrEmail, string password, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userNameOrEmail);
        var name = userNameOrEmail.Trim();
        var user = await users.FindByNameOrEmailAsync(name);
        if (user is null && outside.Any && name.Length is > 0 and <= 256)
        {
            // A user of an on-premises directory who signs in for the first time (just-in-time import). With the
            // directory unreachable the name counts as unknown: a 503 here would tell that it is no local account.
            try
            {
                user = await outside.ImportAsync(name, cancellationToken);
            }
            catch (Resilience.UpstreamUnavailableException exception)
            {
                LogLookupFailed(logger, exception.Message);
            }
        }

        var subject = user?.Id ?? await counters.UnknownSubjectAsync(name, cancellationToken);
        return await VerifyAsync(context, user, subject, password, cancellationToken);
    }

    /// <summary>Re-authenticates a known (signed-in) user.</summary>
    public Task<PasswordVerification> VerifyAsync(HttpContext context, ApplicationUser user, string password, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        return VerifyAsync(context, user, user.Id, password, cancellationToken);
    }

    private async Task<PasswordVerification> VerifyAsync(HttpContext context, ApplicationUser? user, string subject, string password, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var known = user is { IsEnabled: true };
        var familiar = user is not null && devices.IsFamiliar(context, user.Id);
        var policy = await policies.GetAsync(cancellationToken);
        var counter = await counters.GetAsync(subject, familiar, cancellationToken);
        var accountLockedUntil = known && user!.LockoutEnd > time.GetUtcNow() ? user.LockoutEnd : null;

        if ((counters.PausedUntil(counter, policy) ?? accountLockedUntil) is { } paused)
        {
            return await PausedAsync(user, paused, cancellationToken);
        }

        var fingerprint = await counters.FingerprintAsync(subject, user?.PasswordChangedAt, password, cancellationToken);
        // A directory user's password can change in the directory without this service knowing (the fingerprints are
        // versioned by the local change date), so a repeat is checked again there.
        if (user?.DirectoryName is null && LockoutCounters.IsRecentRepeat(counter, fingerprint))
        {
            await audit.WriteAsync(AuditEventTypes.SignInFailed, user?.Id, AuditLog.Failure, "wrong-password,repeated", cancellationToken);
            return PasswordVerification.Failed;
        }

        if (await counters.ReserveAsync(subject, familiar, policy, cancellationToken) is not { } place)
        {
            // Another attempt took the last place (or locked) between the read and the reservation.
            var now = await counters.GetAsync(subject, familiar, cancellationToken);
            return await PausedAsync(user, counters.PausedUntil(now, policy) ?? time.GetUtcNow().AddSeconds(policy.FirstLockoutSeconds), cancellationToken);
        }

        bool correct;
        if (known)
        {
            try
            {
                correct = await users.CheckPasswordAsync(user!, password);
            }
            catch (Resilience.UpstreamUnavailableException)
            {
                // Nothing was checked: the attempt gives its place back before the outage is answered.
                await counters.ReleaseAsync(subject, familiar, cancellationToken);
                throw;
            }
        }
        else
        {
            // The same work as a known account, waiting for a hash slot the same way (without blocking a thread).
            correct = await hashes.RunAsync(() =>
            {
                dummyHash ??= users.PasswordHasher.HashPassword(new ApplicationUser(), Guid.NewGuid().ToString("N"));
                users.PasswordHasher.VerifyHashedPassword(new ApplicationUser(), dummyHash, password);
                return Task.FromResult(false);
            }, cancellationToken);
        }

        if (correct)
        {
            // The familiar-device cookie is set only once the whole sign-in is done (SignInCompletion): a password
            // alone, while a second factor is still asked, must not make a stranger's browser count as the user's.
            await counters.ResetAsync(subject, familiar, cancellationToken);
            await audit.WriteAsync(AuditEventTypes.SignInSucceeded, user!.Id, AuditLog.Success, familiar ? "familiar-device" : "new-device", cancellationToken);
            return PasswordVerification.Succeeded(user);
        }

        var lockedUntil = await counters.RecordWrongAsync(subject, familiar, place, fingerprint, options.Value.RememberedWrongPasswords, policy, cancellationToken);
        var reason = user is null ? "unknown-account" : !known ? "disabled" : familiar ? "wrong-password,familiar-device" : "wrong-password";
        audit.Add(AuditEventTypes.SignInFailed, user?.Id, AuditLog.Failure, reason);
        if (lockedUntil is { } until)
        {
            if (known && familiar)
            {
                await counters.LockAccountAsync(user!.Id, until, cancellationToken);
            }

            if (user is not null)
            {
                audit.Add(AuditEventTypes.AccountLocked, user.Id, AuditLog.Failure,
                    $"{(familiar ? "familiar" : "unfamiliar")}-devices,level-{place.Level + 1},threshold-{policy.Threshold}");
                LogLocked(logger, user.Id, familiar ? "familiar" : "unfamiliar", place.Level + 1);
            }
        }

        await audit.SaveAsync(cancellationToken);
        return PasswordVerification.Failed;
    }

    /// <summary>Locked: nothing is checked, and the attempt is audited as refused, not as a wrong password.</summary>
    private async Task<PasswordVerification> PausedAsync(ApplicationUser? user, DateTimeOffset until, CancellationToken cancellationToken)
    {
        await audit.WriteAsync(AuditEventTypes.SignInFailed, user?.Id, AuditLog.Failure, user is null ? "locked-out,unknown-account" : "locked-out", cancellationToken);
        return PasswordVerification.Paused(until);
    }

    [LoggerMessage(EventId = 3101, Level = LogLevel.Warning, Message = "A user ID unknown here could not be looked up in the directories ({Failure}); it counts as unknown.")]
    private static partial void LogLookupFailed(ILogger logger, string failure);

    [LoggerMessage(EventId = 3100, Level = LogLevel.Warning, Message = "Account {UserId} locked for {DeviceClass} devices (lockout {Level}).")]
    private static partial void LogLocked(ILogger logger, string userId, string deviceClass, int level);
}

/// <summary>How a password check ended.</summary>
public sealed record PasswordVerification(PasswordVerificationStatus Status, ApplicationUser? User, DateTimeOffset? PausedUntil = null)
{
    public static PasswordVerification Failed { get; } = new(PasswordVerificationStatus.Failed, null);

    public static PasswordVerification Succeeded(ApplicationUser user) => new(PasswordVerificationStatus.Succeeded, user);

    public static PasswordVerification Paused(DateTimeOffset until) => new(PasswordVerificationStatus.Paused, null, until);
}

public enum PasswordVerificationStatus
{
    /// <summary>Wrong password, unknown or disabled account: one answer for all.</summary>
    Failed,

    Succeeded,

    /// <summary>
    /// Too many attempts for this account (or typed user ID) from this class of browser: nothing was checked, and
    /// every attempt gets this answer until <see cref="PasswordVerification.PausedUntil"/>, right password or not.
    /// </summary>
    Paused,
}
