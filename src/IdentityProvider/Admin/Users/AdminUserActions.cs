using System.Security.Cryptography;
using IdentityProvider.Account;
using IdentityProvider.Audit;
using IdentityProvider.Data;
using IdentityProvider.Lockout;
using Microsoft.AspNetCore.Identity;
using OpenIddict.Abstractions;

namespace IdentityProvider.Admin.Users;

public enum AdminActionResult
{
    Done,

    /// <summary>The helpdesk may not act on administrators; only administrators may.</summary>
    NotAllowed,

    /// <summary>The last enabled administrator cannot be disabled.</summary>
    LastAdministrator,

    Failed,
}

/// <summary>
/// What IT staff do to a user's account. Each action checks who may do it, writes an audit event about the account
/// (naming the acting administrator) and, where sessions must end, renews the security stamp and revokes tokens.
/// </summary>
public sealed class AdminUserActions(
    UserManager<ApplicationUser> users,
    PasswordChanger changer,
    LockoutCounters lockout,
    IOpenIddictTokenManager tokens,
    IOpenIddictAuthorizationManager authorizations,
    AuditLog audit)
{
    private const string Alphabet = "ABCDEFGHJKMNPQRSTUVWXYZabcdefghjkmnpqrstuvwxyz23456789";

    /// <summary>The signed-in staff member as an actor.</summary>
    public async Task<AdminActor> ActorAsync(ApplicationUser staff)
    {
        ArgumentNullException.ThrowIfNull(staff);
        return new AdminActor(staff.Id, await users.IsInRoleAsync(staff, AdminRoles.Administrator));
    }

    /// <summary>Whether <paramref name="actor"/> may act on <paramref name="target"/>: only administrators act on administrators.</summary>
    public async Task<bool> MayActOnAsync(AdminActor actor, ApplicationUser target) =>
        actor.IsAdministrator || !await users.IsInRoleAsync(target, AdminRoles.Administrator);

    /// <summary>
    /// Sets a temporary password (returned once, never stored in clear), which must be changed at the next sign-in.
    /// Sessions and tokens end. The temporary password passes the password policy like any other.
    /// </summary>
    public async Task<(AdminActionResult Result, string? TemporaryPassword)> ResetPasswordAsync(AdminActor actor, ApplicationUser target, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(target);
        if (!await MayActOnAsync(actor, target))
        {
            return (AdminActionResult.NotAllowed, null);
        }

        var temporary = TemporaryPassword();
        var result = await changer.SetAsync(target, currentPassword: null, temporary, claim: null, finish: async ct =>
        {
            target.MustChangePassword = true;
            await users.UpdateAsync(target);
            await lockout.ClearAllAsync(target.Id, ct);
            audit.Add(AuditEventTypes.AdminPasswordReset, target.Id, AuditLog.Success, $"by {actor.Id}: temporary password, must change at next sign-in");
        }, cancellationToken);
        return result.Succeeded ? (AdminActionResult.Done, temporary) : (AdminActionResult.Failed, null);
    }

    public async Task<AdminActionResult> UnlockAsync(AdminActor actor, ApplicationUser target, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(target);
        if (!await MayActOnAsync(actor, target))
        {
            return AdminActionResult.NotAllowed;
        }

        await lockout.ClearAllAsync(target.Id, cancellationToken);
        await audit.WriteAsync(AuditEventTypes.AdminUnlocked, target.Id, AuditLog.Success, $"by {actor.Id}", cancellationToken: cancellationToken);
        return AdminActionResult.Done;
    }

    public async Task<AdminActionResult> RevokeSessionsAsync(AdminActor actor, ApplicationUser target, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(target);
        if (!await MayActOnAsync(actor, target))
        {
            return AdminActionResult.NotAllowed;
        }

        await EndSessionsAsync(target, cancellationToken);
        await audit.WriteAsync(AuditEventTypes.AdminSessionsRevoked, target.Id, AuditLog.Success, $"by {actor.Id}", cancellationToken: cancellationToken);
        return AdminActionResult.Done;
    }

    /// <summary>Disables (sessions end, no new tokens) or enables an account. The last enabled administrator stays enabled.</summary>
    public async Task<AdminActionResult> SetEnabledAsync(AdminActor actor, ApplicationUser target, bool enabled, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(target);
        if (!await MayActOnAsync(actor, target))
        {
            return AdminActionResult.NotAllowed;
        }

        if (!enabled && await users.IsInRoleAsync(target, AdminRoles.Administrator)
            && !(await users.GetUsersInRoleAsync(AdminRoles.Administrator)).Any(a => a.IsEnabled && a.Id != target.Id))
        {
            return AdminActionResult.LastAdministrator;
        }

        var before = target.IsEnabled;
        target.IsEnabled = enabled;
        await users.UpdateAsync(target);
        if (!enabled)
        {
            await EndSessionsAsync(target, cancellationToken);
        }

        await audit.WriteAsync(AuditEventTypes.AdminUserEnabledChanged, target.Id, AuditLog.Success, $"by {actor.Id}: enabled {before} → {enabled}", cancellationToken: cancellationToken);
        return AdminActionResult.Done;
    }

    /// <summary>Marks the password as living in another directory (self-service then sends the user to their administrator).</summary>
    public async Task<AdminActionResult> SetManagedExternallyAsync(AdminActor actor, ApplicationUser target, bool external, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(target);
        if (!actor.IsAdministrator)
        {
            return AdminActionResult.NotAllowed;
        }

        var before = target.PasswordManagedExternally;
        target.PasswordManagedExternally = external;
        await users.UpdateAsync(target);
        await audit.WriteAsync(AuditEventTypes.AdminUserUpdated, target.Id, AuditLog.Success, $"by {actor.Id}: password managed externally {before} → {external}", cancellationToken: cancellationToken);
        return AdminActionResult.Done;
    }

    /// <summary>Four groups of four unambiguous letters and digits, e.g. <c>Kq7m-Xr2p-Vb9t-Hw4z</c>, with every character class.</summary>
    public static string TemporaryPassword()
    {
        while (true)
        {
            var groups = Enumerable.Range(0, 4).Select(_ => RandomNumberGenerator.GetString(Alphabet, 4));
            var password = string.Join('-', groups);
            if (password.Any(char.IsAsciiLetterUpper) && password.Any(char.IsAsciiLetterLower) && password.Any(char.IsAsciiDigit))
            {
                return password;
            }
        }
    }

    private async Task EndSessionsAsync(ApplicationUser target, CancellationToken cancellationToken)
    {
        await users.UpdateSecurityStampAsync(target);
        await tokens.RevokeBySubjectAsync(target.Id, cancellationToken);
        await authorizations.RevokeBySubjectAsync(target.Id, cancellationToken);
    }
}
