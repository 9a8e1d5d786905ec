using IdentityProvider.Data;
using IdentityProvider.Passwords;

namespace IdentityProvider.Admin.Users.Actions;

/// <summary>
/// What every account action asks first, for the admin pages and the admin API alike: whether this actor may do it to
/// this kind of account (the one permission table, <see cref="StaffPermissions"/>), and, beyond the table, whether the
/// account is the last enabled administrator.
/// </summary>
public sealed class AdminActionGuard(ApplicationUserManager users)
{
    /// <summary>The signed-in staff member as an actor.</summary>
    public async Task<AdminActor> ActorAsync(ApplicationUser staff)
    {
        ArgumentNullException.ThrowIfNull(staff);
        var roles = await users.GetRolesAsync(staff);
        return new AdminActor(staff.Id, roles.Contains(StaffRoles.Administrator), roles.Contains(StaffRoles.Helpdesk));
    }

    /// <summary>Whether <paramref name="actor"/> may do <paramref name="action"/> to <paramref name="target"/>: the one check of pages and API.</summary>
    public async Task<bool> MayActOnAsync(AdminActor actor, ApplicationUser target, AccountAction action)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(target);
        return StaffPermissions.Allows(actor, StaffRoles.KindOf(await users.GetRolesAsync(target)), action);
    }

    /// <summary>Whether no administrator but <paramref name="user"/> is enabled (so the user must keep the role and stay enabled).</summary>
    public async Task<bool> NoOtherEnabledAdministratorAsync(ApplicationUser user) =>
        !(await users.GetUsersInRoleAsync(StaffRoles.Administrator)).Any(a => a.IsEnabled && a.Id != user.Id);
}
