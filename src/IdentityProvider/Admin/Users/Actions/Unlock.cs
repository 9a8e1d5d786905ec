using IdentityProvider.Audit;
using IdentityProvider.Data;
using IdentityProvider.Lockout;

namespace IdentityProvider.Admin.Users.Actions;

/// <summary>Clears the account's lockout (every counter of its sign-in and recovery attempts).</summary>
public sealed class UnlockAction(AdminActionGuard guard, LockoutCounters lockout, AuditLog audit)
{
    public async Task<AdminActionResult> RunAsync(AdminActor actor, ApplicationUser target, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(target);
        if (!await guard.MayActOnAsync(actor, target, AccountAction.Unlock))
        {
            return AdminActionResult.NotAllowed;
        }

        await lockout.ClearAllAsync(target.Id, cancellationToken);
        await audit.WriteAsync(AuditEventTypes.AdminUnlocked, target.Id, AuditLog.Success, $"by {actor.Id}", cancellationToken: cancellationToken);
        return AdminActionResult.Done;
    }
}
