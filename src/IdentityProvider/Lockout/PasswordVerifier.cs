using IdentityProvider.Audit;
using IdentityProvider.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace IdentityProvider.Lockout;

/// <summary>
/// The one password check with smart lockout, used by the sign-in page and by every password re-authentication.
/// Unknown and disabled accounts take the same path and cost as known ones (a password hash, a counter read and
/// write, an audit event) and get the same answer, so neither content nor timing tells them apart.
/// </summary>
public sealed partial class PasswordVerifier(
    UserManager<ApplicationUser> users,
    LockoutCounters counters,
    LockoutPolicyStore policies,
    FamiliarDevices devices,
    AuditLog audit,
    IOptions<LockoutOptions> options,
    TimeProvider time,
    ILogger<PasswordVerifier> logger)
{
    // Counter row used for unknown accounts, so that they cost what known ones cost.
    private const string UnknownAccount = "~unknown";

    private static string? dummyHash;

    public async Task<PasswordVerification> VerifyAsync(HttpContext context, string userNameOrEmail, string password, CancellationToken cancellationToken = default)
    {
        var name = userNameOrEmail.Trim();
        var user = await users.FindByNameAsync(name)
            ?? (name.Contains('@', StringComparison.Ordinal) ? await users.FindByEmailAsync(name) : null);
        return await VerifyAsync(context, user, password, cancellationToken);
    }

    public async Task<PasswordVerification> VerifyAsync(HttpContext context, ApplicationUser? user, string password, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (user is null || !user.IsEnabled)
        {
            dummyHash ??= users.PasswordHasher.HashPassword(new ApplicationUser(), Guid.NewGuid().ToString("N"));
            users.PasswordHasher.VerifyHashedPassword(new ApplicationUser(), dummyHash, password);
            var counter = await counters.GetAsync(UnknownAccount, familiar: false, cancellationToken);
            var fingerprint = await counters.FingerprintAsync(UnknownAccount, password, cancellationToken);
            if (!LockoutCounters.IsRecentRepeat(counter, fingerprint))
            {
                await counters.RecordFailureAsync(UnknownAccount, familiar: false, fingerprint, options.Value.RememberedWrongPasswords, cancellationToken);
            }

            await audit.WriteAsync(AuditEventTypes.SignInFailed, user?.Id, AuditLog.Failure, user is null ? "unknown-account" : "disabled", cancellationToken);
            return PasswordVerification.Failed;
        }

        var familiar = devices.IsFamiliar(context, user.Id);
        var current = await counters.GetAsync(user.Id, familiar, cancellationToken);
        var locked = counters.IsLocked(current) || user.LockoutEnd > time.GetUtcNow();
        var correct = await users.CheckPasswordAsync(user, password);

        if (locked)
        {
            await audit.WriteAsync(AuditEventTypes.SignInFailed, user.Id, AuditLog.Failure, correct ? "locked-out" : "locked-out,wrong-password", cancellationToken);
            return correct ? PasswordVerification.LockedOut(user) : PasswordVerification.Failed;
        }

        if (correct)
        {
            await counters.ResetAsync(user.Id, familiar, cancellationToken);
            devices.Remember(context, user.Id);
            await audit.WriteAsync(AuditEventTypes.SignInSucceeded, user.Id, AuditLog.Success, familiar ? "familiar-device" : "new-device", cancellationToken);
            return PasswordVerification.Succeeded(user);
        }

        var wrong = await counters.FingerprintAsync(user.Id, password, cancellationToken);
        if (LockoutCounters.IsRecentRepeat(current, wrong))
        {
            await audit.WriteAsync(AuditEventTypes.SignInFailed, user.Id, AuditLog.Failure, "wrong-password,repeated", cancellationToken);
            return PasswordVerification.Failed;
        }

        var state = await counters.RecordFailureAsync(user.Id, familiar, wrong, options.Value.RememberedWrongPasswords, cancellationToken);
        audit.Add(AuditEventTypes.SignInFailed, user.Id, AuditLog.Failure, familiar ? "wrong-password,familiar-device" : "wrong-password");
        if (state is { LockedUntil: > 0 } && state.LockedUntil > time.GetUtcNow().ToUnixTimeMilliseconds())
        {
            var policy = await policies.GetAsync(cancellationToken);
            if (familiar)
            {
                await counters.LockAccountAsync(user.Id, state.LockedUntil, cancellationToken);
            }

            audit.Add(AuditEventTypes.AccountLocked, user.Id, AuditLog.Failure,
                $"{(familiar ? "familiar" : "unfamiliar")}-devices,level-{state.Level},threshold-{policy.Threshold}");
            LogLocked(logger, user.Id, familiar ? "familiar" : "unfamiliar", state.Level);
        }

        await audit.SaveAsync(cancellationToken);
        return PasswordVerification.Failed;
    }

    [LoggerMessage(EventId = 3100, Level = LogLevel.Warning, Message = "Account {UserId} locked for {DeviceClass} devices (lockout {Level}).")]
    private static partial void LogLocked(ILogger logger, string userId, string deviceClass, int level);
}

/// <summary>How a password check ended.</summary>
public sealed record PasswordVerification(PasswordVerificationStatus Status, ApplicationUser? User)
{
    public static PasswordVerification Failed { get; } = new(PasswordVerificationStatus.Failed, null);

    public static PasswordVerification Succeeded(ApplicationUser user) => new(PasswordVerificationStatus.Succeeded, user);

    public static PasswordVerification LockedOut(ApplicationUser user) => new(PasswordVerificationStatus.LockedOut, user);
}

public enum PasswordVerificationStatus
{
    Failed,
    Succeeded,

    /// <summary>The password was right but the account is locked for now.</summary>
    LockedOut,
}
