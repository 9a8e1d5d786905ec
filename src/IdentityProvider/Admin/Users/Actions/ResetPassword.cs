using IdentityProvider.Account;
using IdentityProvider.Account.Sessions;
using IdentityProvider.Audit;
using IdentityProvider.Data;
using IdentityProvider.Lockout;
using IdentityProvider.Passwords;

namespace IdentityProvider.Admin.Users.Actions;

/// <summary>
/// Sets a temporary password (returned once, never stored in clear), which must be changed at the next sign-in and
/// stops working after <see cref="PasswordPolicyOptions.TemporaryPasswordLifetime"/>. Sessions and tokens end. The
/// temporary password passes the password policy like any other.
/// </summary>
public sealed class ResetPasswordAction(
    AdminActionGuard guard,
    ApplicationUserManager users,
    TemporaryPasswords temporaryPasswords,
    LockoutCounters lockout,
    UserSessions sessions,
    ApplicationDbContext db,
    AuditLog audit)
{
    public async Task<(AdminActionResult Result, string? TemporaryPassword)> RunAsync(AdminActor actor, ApplicationUser target, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(target);
        if (!await guard.MayActOnAsync(actor, target, AccountAction.ResetPassword))
        {
            return (AdminActionResult.NotAllowed, null);
        }

        var temporary = TemporaryPasswordGenerator.Next();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var result = await users.SetPasswordAsync(target, temporary, PasswordSetting.Temporary);
        if (!result.Succeeded)
        {
            await transaction.RollbackAsync(cancellationToken);
            return (AdminActionResult.Failed, null);
        }

        temporaryPasswords.Issue(target);
        await users.UpdateAsync(target);
        await lockout.ClearAllAsync(target.Id, cancellationToken);
        await sessions.EndAllAsync(target, keepSessionId: null, cancellationToken);
        audit.Add(AuditEventTypes.AdminPasswordReset, target.Id, AuditLog.Success, $"by {actor.Id}: temporary password, must change at next sign-in");
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return (AdminActionResult.Done, temporary);
    }
}
