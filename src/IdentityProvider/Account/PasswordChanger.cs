using System.Globalization;
using IdentityProvider.Account.Sessions;
using IdentityProvider.Audit;
using IdentityProvider.Data;
using IdentityProvider.Messaging;
using Microsoft.AspNetCore.Identity;

namespace IdentityProvider.Account;

/// <summary>
/// A user changes their own password (account page, hosted page, application-initiated action, forced change).
/// In one transaction: the new hash (through the one password policy, with history), every other session ended with
/// everything that could undo the change (<see cref="UserSessions.EndAllAsync"/>: a new security stamp, refresh tokens
/// and authorizations revoked, open recovery journeys and codes voided), the "must change" flag cleared, a
/// notification queued and an audit event written. The caller refreshes the current browser's session.
/// </summary>
public sealed class PasswordChanger(
    UserManager<ApplicationUser> users,
    ApplicationDbContext db,
    UserSessions sessions,
    Outbox outbox,
    MessageTemplates templates,
    AuditLog audit,
    TimeProvider time)
{
    /// <param name="user">The user.</param>
    /// <param name="currentPassword">The current password, or null when it was just verified by a forced-change sign-in.</param>
    /// <param name="newPassword">The new password.</param>
    /// <param name="source">Where the change came from, for the audit trail.</param>
    /// <param name="keepSessionId">The session that made the change, which stays signed in; every other one ends.</param>
    /// <param name="cancellationToken">Cancels the change.</param>
    public Task<IdentityResult> ChangeAsync(ApplicationUser user, string? currentPassword, string newPassword, string source, string? keepSessionId = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        return SetAsync(user, currentPassword, newPassword, keepSessionId, claim: null, finish: _ =>
        {
            if (!string.IsNullOrEmpty(user.Email))
            {
                outbox.Email(user.Email, templates.PasswordChanged(user.UserName ?? user.Email, time.GetUtcNow(), CultureInfo.CurrentUICulture), "password-changed");
            }

            audit.Add(AuditEventTypes.PasswordChanged, user.Id, AuditLog.Success, source);
            return Task.CompletedTask;
        }, cancellationToken);
    }

    /// <summary>
    /// The one transaction every password write goes through. <paramref name="claim"/> (optional) runs first and may
    /// refuse, e.g. when a parallel request already finished the same reset; <paramref name="finish"/> adds the
    /// caller's own messages and audit events before the commit. Every session but <paramref name="keepSessionId"/>
    /// ends. Nothing is saved unless everything succeeds.
    /// </summary>
    internal async Task<IdentityResult> SetAsync(
        ApplicationUser user,
        string? currentPassword,
        string newPassword,
        string? keepSessionId,
        Func<CancellationToken, Task<bool>>? claim,
        Func<CancellationToken, Task> finish,
        CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        if (claim is not null && !await claim(cancellationToken))
        {
            await transaction.RollbackAsync(cancellationToken);
            return IdentityResult.Failed(new IdentityError { Code = AlreadyDone, Description = "This request was already handled." });
        }

        IdentityResult result;
        if (currentPassword is not null)
        {
            result = await users.ChangePasswordAsync(user, currentPassword, newPassword);
        }
        else
        {
            var token = await users.GeneratePasswordResetTokenAsync(user);
            result = await users.ResetPasswordAsync(user, token, newPassword);
        }

        if (!result.Succeeded)
        {
            await transaction.RollbackAsync(cancellationToken);
            return result;
        }

        if (user.MustChangePassword || user.TemporaryPasswordExpiresAt is not null)
        {
            (user.MustChangePassword, user.TemporaryPasswordExpiresAt) = (false, null);
            await users.UpdateAsync(user);
        }

        await sessions.EndAllAsync(user, keepSessionId, cancellationToken);
        await finish(cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return result;
    }

    /// <summary>The error code of a change refused because a parallel request already made it.</summary>
    public const string AlreadyDone = "AlreadyDone";
}
