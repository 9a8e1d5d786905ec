using System.Globalization;
using IdentityProvider.Data;
using IdentityProvider.Messaging;
using Microsoft.AspNetCore.Identity;

namespace IdentityProvider.SelfService.Recovery;

/// <summary>
/// Who hears of a self-service reset: the user's addresses when the policy says so (primary and alternate, once each),
/// and for an administrator's reset the other administrators (at most 100) when the policy says so.
/// </summary>
public sealed class ResetNotices(UserManager<ApplicationUser> users, Outbox outbox, MessageTemplates templates, TimeProvider time)
{
    /// <summary>Queues the notices of a reset in the caller's unit of work.</summary>
    /// <param name="user">The user whose password was reset.</param>
    /// <param name="policy">The self-service policy in force.</param>
    /// <param name="isAdministrator">Whether the user is an administrator.</param>
    public async Task QueueAsync(ApplicationUser user, SelfServicePolicySettings policy, bool isAdministrator)
    {
        var now = time.GetUtcNow();
        var culture = CultureInfo.CurrentUICulture;
        if (policy.NotifyUserOnReset)
        {
            foreach (var address in new[] { user.Email, user.AlternateEmail }.Where(a => !string.IsNullOrEmpty(a)).Distinct(StringComparer.OrdinalIgnoreCase))
            {
                outbox.Email(address!, templates.PasswordReset(user.UserName ?? user.Id, now, culture), "password-reset");
            }
        }

        if (isAdministrator && policy.NotifyAdministratorsOnAdminReset)
        {
            foreach (var other in (await users.GetUsersInRoleAsync(StaffRoles.Administrator))
                .Where(a => a.Id != user.Id && !string.IsNullOrEmpty(a.Email)).Take(100))
            {
                outbox.Email(other.Email!, templates.AdministratorPasswordReset(user.UserName ?? user.Id, now, other), "admin-password-reset");
            }
        }
    }
}
