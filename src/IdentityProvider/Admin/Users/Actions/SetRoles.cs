using IdentityProvider.Account.Sessions;
using IdentityProvider.Audit;
using IdentityProvider.Data;
using IdentityProvider.Passwords;

namespace IdentityProvider.Admin.Users.Actions;

/// <summary>
/// Sets the user's staff roles (administrators only). The last enabled administrator cannot lose the role. Sessions end
/// when roles are taken away, so they stop at once.
/// </summary>
public sealed class SetRolesAction(AdminActionGuard guard, ApplicationUserManager users, UserSessions sessions, ApplicationDbContext db, AuditLog audit)
{
    public async Task<AdminActionResult> RunAsync(AdminActor actor, ApplicationUser user, IReadOnlyCollection<string> roles, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(roles);
        if (!await guard.MayActOnAsync(actor, user, AccountAction.SetRoles))
        {
            return AdminActionResult.NotAllowed;
        }

        if (roles.Any(r => !StaffRoles.All.Contains(r)))
        {
            return AdminActionResult.Invalid;
        }

        var current = (await users.GetRolesAsync(user)).Where(StaffRoles.All.Contains).ToList();
        var removed = current.Except(roles).ToList();
        var added = roles.Distinct().Except(current).ToList();
        if (removed.Contains(StaffRoles.Administrator) && await guard.NoOtherEnabledAdministratorAsync(user))
        {
            return AdminActionResult.LastAdministrator;
        }

        if (added.Count > 0)
        {
            await users.AddToRolesAsync(user, added);
        }

        if (removed.Count > 0)
        {
            await users.RemoveFromRolesAsync(user, removed);
            await sessions.EndAllAsync(user, keepSessionId: null, cancellationToken);
            await db.SaveChangesAsync(cancellationToken);
        }

        if (added.Count + removed.Count > 0)
        {
            var reason = $"by {actor.Id}: roles {string.Join(',', current.Order(StringComparer.Ordinal))} → {string.Join(',', roles.Distinct().Order(StringComparer.Ordinal))}";
            await audit.WriteAsync(AuditEventTypes.AdminRolesChanged, user.Id, AuditLog.Success, reason.Length > 200 ? reason[..200] : reason, cancellationToken: cancellationToken);
        }

        return AdminActionResult.Done;
    }
}
