using IdentityProvider.Account.Sessions;
using IdentityProvider.Audit;
using IdentityProvider.Data;
using IdentityProvider.Lockout;
using IdentityProvider.Passwords;
using Microsoft.AspNetCore.Identity;

namespace IdentityProvider.SelfService.Recovery;

/// <summary>
/// The last step of a journey whose gates were passed, each in one transaction that this class owns. A reset: the
/// journey ends by an atomic update first (so of parallel submissions exactly one changes the password), the new
/// password goes through the one password call with the "reset" rules, lockout and self-service counters are cleared,
/// every session ends with everything that could undo the reset (<see cref="UserSessions.EndAllAsync"/>), the notices
/// are queued and the audit event written; nothing is saved unless all of it succeeds. An unlock clears the lockout
/// and the counters without touching the password. For a user of an on-premises directory both also clear the
/// directory's lockout when the directory allows it, and the reset's password is written back to the directory first:
/// with the directory unreachable, nothing is saved and the journey stays where it was.
/// </summary>
public sealed partial class RecoveryCompletion(
    ApplicationUserManager users,
    UserSessions sessions,
    RecoveryJourneys journeys,
    RecoveryThrottle throttle,
    LockoutCounters lockout,
    StoredPolicy<SelfServicePolicySettings> policies,
    ApplicationDbContext db,
    ResetNotices notices,
    Directories.DirectoryAccounts directories,
    AuditLog audit,
    ILogger<RecoveryCompletion> logger)
{
    /// <summary>The error code of a reset refused because a parallel submission already finished the journey.</summary>
    public const string AlreadyDone = "AlreadyDone";

    public async Task<IdentityResult> ResetAsync(RecoveryJourney journey, ApplicationUser user, string newPassword, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(journey);
        ArgumentNullException.ThrowIfNull(user);
        var policy = await policies.GetAsync(cancellationToken);
        var isAdministrator = await users.IsInRoleAsync(user, StaffRoles.Administrator);

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        if (!await journeys.TryEndAsync(journey.Id, RecoveryJourneys.Ended, cancellationToken))
        {
            await transaction.RollbackAsync(cancellationToken);
            return IdentityResult.Failed(new IdentityError { Code = AlreadyDone, Description = "This request was already handled." });
        }

        // A directory user's account is unlocked in the directory first (when it allows it; the user has proved who they
        // are), then the password written back: an unreachable directory throws before anything is half-done, and the
        // transaction, with the journey, rolls back.
        await directories.UnlockAsync(user, cancellationToken: cancellationToken);
        var result = await users.SetPasswordAsync(user, newPassword, PasswordSetting.Reset);
        if (!result.Succeeded)
        {
            await transaction.RollbackAsync(cancellationToken);
            return result;
        }

        await lockout.ClearAllAsync(user.Id, cancellationToken);
        await throttle.ClearAsync(user.Id, cancellationToken);
        await sessions.EndAllAsync(user, keepSessionId: null, cancellationToken);
        await notices.QueueAsync(user, policy, isAdministrator);
        audit.Add(AuditEventTypes.RecoveryPasswordReset, user.Id, AuditLog.Success, journey.Reason == RecoveryReason.Unlock ? "unlock-with-reset" : "forgot-password");
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        LogReset(logger, user.Id);
        return result;
    }

    /// <summary>Clears the lockout without changing the password. False when a parallel request already ended the journey.</summary>
    public async Task<bool> UnlockAsync(RecoveryJourney journey, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(journey);
        var userId = journey.UserId ?? throw new InvalidOperationException("An unlock needs an account.");
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        if (!await journeys.TryEndAsync(journey.Id, RecoveryJourneys.Unlocked, cancellationToken))
        {
            await transaction.RollbackAsync(cancellationToken);
            return false;
        }

        if (await users.FindByIdAsync(userId) is { } user)
        {
            await directories.UnlockAsync(user, cancellationToken: cancellationToken);
        }

        await lockout.ClearAllAsync(userId, cancellationToken);
        await throttle.ClearAsync(userId, cancellationToken);
        audit.Add(AuditEventTypes.RecoveryUnlocked, userId, AuditLog.Success, "unlock");
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        LogUnlocked(logger, userId);
        return true;
    }

    [LoggerMessage(EventId = 5100, Level = LogLevel.Information, Message = "User {UserId} reset their password with self-service.")]
    private static partial void LogReset(ILogger logger, string userId);

    [LoggerMessage(EventId = 5101, Level = LogLevel.Information, Message = "User {UserId} unlocked their account with self-service.")]
    private static partial void LogUnlocked(ILogger logger, string userId);
}
