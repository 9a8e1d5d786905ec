using System.Globalization;
using IdentityProvider.Account.Sessions;
using IdentityProvider.Audit;
using IdentityProvider.Data;
using IdentityProvider.Messaging;
using IdentityProvider.Passwords;
using Microsoft.AspNetCore.Identity;

namespace IdentityProvider.Account;

/// <summary>
/// A user changes their own password (account page, hosted page, application-initiated action, forced change), in one
/// transaction: the new password through the one password call (<see cref="ApplicationUserManager.SetPasswordAsync"/>),
/// every other session ended with everything that could undo the change (<see cref="UserSessions.EndAllAsync"/>), a
/// notification queued and an audit event written. The caller refreshes the current browser's session.
/// </summary>
public sealed class PasswordChanger(
    ApplicationUserManager users,
    ApplicationDbContext db,
    UserSessions sessions,
    Outbox outbox,
    MessageTemplates templates,
    AuditLog audit,
    TimeProvider time)
{
    /// <param name="user">The user.</param>
    /// <param name="currentPassword">The current password for a <see cref="PasswordSetting.Change"/>; null for a <see cref="PasswordSetting.ForcedChange"/>, whose password the sign-in just verified.</param>
    /// <param name="newPassword">The new password.</param>
    /// <param name="source">Where the change came from, for the audit trail.</param>
    /// <param name="keepSessionId">The session that made the change, which stays signed in; every other one ends.</param>
    /// <param name="cancellationToken">Cancels the change.</param>
    public async Task<IdentityResult> ChangeAsync(ApplicationUser user, string? currentPassword, string newPassword, string source, string? keepSessionId = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var setting = currentPassword is null ? PasswordSetting.ForcedChange : PasswordSetting.Change;
        var result = await users.SetPasswordAsync(user, newPassword, setting, currentPassword);
        if (!result.Succeeded)
        {
            await transaction.RollbackAsync(cancellationToken);
            return result;
        }

        await sessions.EndAllAsync(user, keepSessionId, cancellationToken);
        if (!string.IsNullOrEmpty(user.Email))
        {
            outbox.Email(user.Email, templates.PasswordChanged(user.UserName ?? user.Email, time.GetUtcNow(), CultureInfo.CurrentUICulture), "password-changed");
        }

        audit.Add(AuditEventTypes.PasswordChanged, user.Id, AuditLog.Success, source);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return result;
    }
}
