using IdentityProvider.Account.Sessions;
using IdentityProvider.Audit;
using IdentityProvider.Data;
using IdentityProvider.Passwords;

namespace IdentityProvider.Admin.Users.Actions;

/// <summary>Disables (sessions end, no new tokens) or enables an account. The last enabled administrator stays enabled.</summary>
public sealed class SetEnabledAction(AdminActionGuard guard, ApplicationUserManager users, UserSessions sessions, ApplicationDbContext db, AuditLog audit)
{
    public async Task<AdminActionResult> RunAsync(AdminActor actor, ApplicationUser target, bool enabled, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(target);
        if (!await guard.MayActOnAsync(actor, target, AccountAction.SetEnabled))
        {
            return AdminActionResult.NotAllowed;
        }

        if (!enabled && await users.IsInRoleAsync(target, StaffRoles.Administrator) && await guard.NoOtherEnabledAdministratorAsync(target))
        {
            return AdminActionResult.LastAdministrator;
        }

        var before = target.IsEnabled;
        target.IsEnabled = enabled;
        await users.UpdateAsync(target);
        if (!enabled)
        {
            await sessions.EndAllAsync(target, keepSessionId: null, cancellationToken);
            await db.SaveChangesAsync(cancellationToken);
        }

        await audit.WriteAsync(AuditEventTypes.AdminUserEnabledChanged, target.Id, AuditLog.Success, $"by {actor.Id}: enabled {before} → {enabled}", cancellationToken: cancellationToken);
        return AdminActionResult.Done;
    }
}
