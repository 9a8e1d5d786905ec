using IdentityProvider.Account.Sessions;
using IdentityProvider.Audit;
using IdentityProvider.Data;
using IdentityProvider.SelfService.MultiFactor;
using Microsoft.EntityFrameworkCore;

namespace IdentityProvider.Admin.Users.Actions;

/// <summary>
/// Deletes all of the user's backup codes (a printed sheet was lost, or someone else saw it): none of them works any
/// more, and the user can generate new ones on their security info page. The user is told by email.
/// </summary>
public sealed class ResetBackupCodesAction(AdminActionGuard guard, ApplicationDbContext db, UserSessions sessions, SecondFactorNotice notice, AuditLog audit)
{
    public async Task<AdminActionResult> RunAsync(AdminActor actor, ApplicationUser target, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(target);
        if (!await guard.MayActOnAsync(actor, target, AccountAction.ManageSignInMethods))
        {
            return AdminActionResult.NotAllowed;
        }

        var codes = await db.Set<BackupCode>().Where(c => c.UserId == target.Id).ToListAsync(cancellationToken);
        if (codes.Count == 0)
        {
            return AdminActionResult.Done;
        }

        // Codes may have been seen by someone else: every session ends and remembered browsers are forgotten.
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await sessions.EndAllAsync(target, keepSessionId: null, cancellationToken);
        db.RemoveRange(codes);
        audit.Add(AuditEventTypes.AdminSecondFactorChanged, target.Id, AuditLog.Success,
            $"by {actor.Id}: backup codes reset ({codes.Count(c => c.UsedAt is null)} unused deleted)", nameof(SignInMethod.BackupCode));
        notice.Add(target, "list of backup codes", "deleted by an administrator");
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return AdminActionResult.Done;
    }
}
