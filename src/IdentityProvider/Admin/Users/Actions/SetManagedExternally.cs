using IdentityProvider.Audit;
using IdentityProvider.Data;
using IdentityProvider.Passwords;

namespace IdentityProvider.Admin.Users.Actions;

/// <summary>Marks the password as living in another directory (self-service then sends the user to their administrator).</summary>
public sealed class SetManagedExternallyAction(AdminActionGuard guard, ApplicationUserManager users, AuditLog audit)
{
    public async Task<AdminActionResult> RunAsync(AdminActor actor, ApplicationUser target, bool external, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(target);
        if (!await guard.MayActOnAsync(actor, target, AccountAction.SetPasswordManagedExternally))
        {
            return AdminActionResult.NotAllowed;
        }

        var before = target.PasswordManagedExternally;
        target.PasswordManagedExternally = external;
        await users.UpdateAsync(target);
        await audit.WriteAsync(AuditEventTypes.AdminUserUpdated, target.Id, AuditLog.Success, $"by {actor.Id}: password managed externally {before} → {external}", cancellationToken: cancellationToken);
        return AdminActionResult.Done;
    }
}
