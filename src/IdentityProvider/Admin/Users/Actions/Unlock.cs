using IdentityProvider.Audit;
using IdentityProvider.Data;
using IdentityProvider.Lockout;

namespace IdentityProvider.Admin.Users.Actions;

/// <summary>
/// Clears the account's lockout (every counter of its sign-in and recovery attempts), and, for a user of an on-premises
/// directory that allows unlock, the directory's lockout (first: an unreachable directory answers 503 with nothing done).
/// </summary>
public sealed class UnlockAction(AdminActionGuard guard, LockoutCounters lockout, IdentityProvider.Directories.DirectoryAccounts directories, AuditLog audit)
{
    public async Task<AdminActionResult> RunAsync(AdminActor actor, ApplicationUser target, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(target);
        if (!await guard.MayActOnAsync(actor, target, AccountAction.Unlock))
        {
            return AdminActionResult.NotAllowed;
        }

        await directories.UnlockAsync(target, byAdministrator: true, cancellationToken);
        await lockout.ClearAllAsync(target.Id, cancellationToken);
        await audit.WriteAsync(AuditEventTypes.AdminUnlocked, target.Id, AuditLog.Success, $"by {actor.Id}", cancellationToken: cancellationToken);
        return AdminActionResult.Done;
    }
}
