using System.Globalization;
using IdentityProvider.Account;
using IdentityProvider.Audit;
using IdentityProvider.Data;
using IdentityProvider.Lockout;
using IdentityProvider.Messaging;
using Microsoft.AspNetCore.Identity;

namespace IdentityProvider.SelfService.Recovery;

/// <summary>
/// The last step of a journey whose gates were passed. A reset runs in the one password transaction
/// (<see cref="PasswordChanger"/>): the journey is ended by an atomic update first (so of parallel submissions exactly
/// one changes the password), then the new hash through the password policy, a new security stamp, tokens and
/// authorizations revoked, lockout and self-service counters cleared, the emails queued and the audit event written.
/// An unlock clears the lockout and the counters without touching the password.
/// </summary>
public sealed partial class RecoveryCompletion(
    PasswordChanger changer,
    RecoveryJourneys journeys,
    RecoveryThrottle throttle,
    LockoutCounters lockout,
    UserManager<ApplicationUser> users,
    StoredPolicy<SelfServicePolicySettings> policies,
    SsprEligibilityEvaluator eligibility,
    ApplicationDbContext db,
    Outbox outbox,
    MessageTemplates templates,
    AuditLog audit,
    TimeProvider time,
    ILogger<RecoveryCompletion> logger)
{
    public async Task<IdentityResult> ResetAsync(RecoveryJourney journey, ApplicationUser user, string newPassword, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(journey);
        ArgumentNullException.ThrowIfNull(user);
        var policy = await policies.GetAsync(cancellationToken);
        var isAdministrator = await eligibility.IsAdministratorAsync(user);
        var journeyId = journey.Id;
        var result = await changer.SetAsync(
            user,
            currentPassword: null,
            newPassword,
            keepSessionId: null,
            claim: ct => journeys.TryEndAsync(journeyId, RecoveryJourneys.Ended, ct),
            finish: async ct =>
            {
                await lockout.ClearAllAsync(user.Id, ct);
                await throttle.ClearAsync(user.Id, ct);
                var now = time.GetUtcNow();
                var culture = CultureInfo.CurrentUICulture;
                if (policy.NotifyUserOnReset)
                {
                    foreach (var address in new[] { user.Email, user.AlternateEmail }.Where(a => !string.IsNullOrEmpty(a)).Distinct(StringComparer.OrdinalIgnoreCase))
                    {
                        outbox.Email(address!, templates.PasswordReset(user.UserName ?? user.Id, now, culture), "password-reset");
                    }
                }

                if (isAdministrator && policy.NotifyAdministratorsOnAdminReset)
                {
                    foreach (var other in (await users.GetUsersInRoleAsync(Admin.AdminRoles.Administrator))
                        .Where(a => a.Id != user.Id && !string.IsNullOrEmpty(a.Email)).Take(100))
                    {
                        outbox.Email(other.Email!, templates.AdministratorPasswordReset(user.UserName ?? user.Id, now, culture), "admin-password-reset");
                    }
                }

                audit.Add(AuditEventTypes.RecoveryPasswordReset, user.Id, AuditLog.Success, journey.Reason == RecoveryReason.Unlock ? "unlock-with-reset" : "forgot-password");
            },
            cancellationToken);
        if (result.Succeeded)
        {
            LogReset(logger, user.Id);
        }

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
