using System.Net.Mail;
using System.Security.Cryptography;
using IdentityProvider.Account;
using IdentityProvider.Audit;
using IdentityProvider.Data;
using IdentityProvider.Lockout;
using IdentityProvider.Messaging;
using IdentityProvider.Passwords;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace IdentityProvider.Admin.Users;

public enum AdminActionResult
{
    Done,

    /// <summary>The staff permission table does not allow this actor this action on this account (see <see cref="StaffPermissions"/>).</summary>
    NotAllowed,

    /// <summary>The last enabled administrator cannot be disabled.</summary>
    LastAdministrator,

    /// <summary>The request was invalid; nothing was changed.</summary>
    Invalid,

    Failed,
}

/// <summary>
/// What IT staff do to a user's account, for the admin pages and the admin API alike. Each action first asks the one
/// permission table (<see cref="StaffPermissions"/>) whether this actor may do it to this kind of account, writes an
/// audit event about the account (naming the acting staff member) and, where sessions must end, renews the security
/// stamp and revokes tokens. Changes to contact or recovery data are told to the user by email.
/// </summary>
public sealed class AdminUserActions(
    ApplicationUserManager users,
    TemporaryPasswords temporaryPasswords,
    LockoutCounters lockout,
    Account.Sessions.UserSessions sessions,
    SelfService.SecurityInfo.SecurityInfoChanges securityInfo,
    ApplicationDbContext db,
    Messaging.Outbox outbox,
    MessageTemplates templates,
    AuditLog audit,
    TimeProvider time)
{
    private const string Alphabet = "ABCDEFGHJKMNPQRSTUVWXYZabcdefghjkmnpqrstuvwxyz23456789";

    /// <summary>The signed-in staff member as an actor.</summary>
    public async Task<AdminActor> ActorAsync(ApplicationUser staff)
    {
        ArgumentNullException.ThrowIfNull(staff);
        var roles = await users.GetRolesAsync(staff);
        return new AdminActor(staff.Id, roles.Contains(StaffRoles.Administrator), roles.Contains(StaffRoles.Helpdesk));
    }

    /// <summary>The kind of account <paramref name="target"/> is, by its most privileged staff role.</summary>
    public async Task<AccountKind> KindOfAsync(ApplicationUser target) => StaffRoles.KindOf(await users.GetRolesAsync(target));

    /// <summary>Whether <paramref name="actor"/> may do <paramref name="action"/> to <paramref name="target"/>: the one check of pages and API.</summary>
    public async Task<bool> MayActOnAsync(AdminActor actor, ApplicationUser target, AccountAction action)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(target);
        return StaffPermissions.Allows(actor, await KindOfAsync(target), action);
    }

    /// <summary>
    /// Sets a temporary password (returned once, never stored in clear), which must be changed at the next sign-in and
    /// stops working after <see cref="Passwords.PasswordPolicyOptions.TemporaryPasswordLifetime"/>. Sessions and tokens
    /// end. The temporary password passes the password policy like any other.
    /// </summary>
    public async Task<(AdminActionResult Result, string? TemporaryPassword)> ResetPasswordAsync(AdminActor actor, ApplicationUser target, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(target);
        if (!await MayActOnAsync(actor, target, AccountAction.ResetPassword))
        {
            return (AdminActionResult.NotAllowed, null);
        }

        var temporary = TemporaryPassword();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var result = await users.SetPasswordAsync(target, temporary, PasswordSetting.Temporary);
        if (!result.Succeeded)
        {
            await transaction.RollbackAsync(cancellationToken);
            return (AdminActionResult.Failed, null);
        }

        temporaryPasswords.Issue(target);
        await users.UpdateAsync(target);
        await lockout.ClearAllAsync(target.Id, cancellationToken);
        await sessions.EndAllAsync(target, keepSessionId: null, cancellationToken);
        audit.Add(AuditEventTypes.AdminPasswordReset, target.Id, AuditLog.Success, $"by {actor.Id}: temporary password, must change at next sign-in");
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return (AdminActionResult.Done, temporary);
    }

    public async Task<AdminActionResult> UnlockAsync(AdminActor actor, ApplicationUser target, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(target);
        if (!await MayActOnAsync(actor, target, AccountAction.Unlock))
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
        if (!await MayActOnAsync(actor, target, AccountAction.RevokeSessions))
        {
            return AdminActionResult.NotAllowed;
        }

        await EndSessionsAsync(target, cancellationToken);
        await audit.WriteAsync(AuditEventTypes.AdminSessionsRevoked, target.Id, AuditLog.Success, $"by {actor.Id}", cancellationToken: cancellationToken);
        return AdminActionResult.Done;
    }

    /// <summary>
    /// Removes a lost authenticator app so the user can set up a new one (which otherwise needs a code from the old
    /// one). The user is told by email, as for any change of their recovery methods.
    /// </summary>
    public async Task<AdminActionResult> RemoveAuthenticatorAsync(AdminActor actor, ApplicationUser target, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(target);
        if (!await MayActOnAsync(actor, target, AccountAction.RemoveAuthenticator))
        {
            return AdminActionResult.NotAllowed;
        }

        if (target.AuthenticatorSecretProtected is null)
        {
            return AdminActionResult.Done;
        }

        audit.Add(AuditEventTypes.AdminUserUpdated, target.Id, AuditLog.Success, $"by {actor.Id}: authenticator app removed");
        await securityInfo.RemoveAsync(target, SelfService.RecoveryMethod.AuthenticatorApp, cancellationToken);
        return AdminActionResult.Done;
    }

    /// <summary>Disables (sessions end, no new tokens) or enables an account. The last enabled administrator stays enabled.</summary>
    public async Task<AdminActionResult> SetEnabledAsync(AdminActor actor, ApplicationUser target, bool enabled, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(target);
        if (!await MayActOnAsync(actor, target, AccountAction.SetEnabled))
        {
            return AdminActionResult.NotAllowed;
        }

        if (!enabled && await users.IsInRoleAsync(target, StaffRoles.Administrator)
            && !(await users.GetUsersInRoleAsync(StaffRoles.Administrator)).Any(a => a.IsEnabled && a.Id != target.Id))
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
        if (!await MayActOnAsync(actor, target, AccountAction.SetPasswordManagedExternally))
        {
            return AdminActionResult.NotAllowed;
        }

        var before = target.PasswordManagedExternally;
        target.PasswordManagedExternally = external;
        await users.UpdateAsync(target);
        await audit.WriteAsync(AuditEventTypes.AdminUserUpdated, target.Id, AuditLog.Success, $"by {actor.Id}: password managed externally {before} → {external}", cancellationToken: cancellationToken);
        return AdminActionResult.Done;
    }

    /// <summary>
    /// Changes a user's profile, contact data or state (null fields stay, an empty string clears a contact value).
    /// Contact data an administrator sets counts for self-service until the user changes it, so every change to it is
    /// emailed to the user: to the addresses they have now and, when an address changed, to the old one too. Returns the
    /// errors per field when the request is invalid (nothing is changed then).
    /// </summary>
    public async Task<(AdminActionResult Result, Dictionary<string, string[]>? Errors)> UpdateAsync(
        AdminActor actor, ApplicationUser user, UpdateUserRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(request);
        if (!await MayActOnAsync(actor, user, AccountAction.EditProfile)
            || (request.PasswordManagedExternally is not null && request.PasswordManagedExternally != user.PasswordManagedExternally
                && !await MayActOnAsync(actor, user, AccountAction.SetPasswordManagedExternally)))
        {
            return (AdminActionResult.NotAllowed, null);
        }

        var errors = new Dictionary<string, string[]>();
        string? Phone(string field, string? value)
        {
            if (string.IsNullOrEmpty(value))
            {
                return null;
            }

            var e164 = PhoneNumberFormat.ToE164(value);
            if (e164 is null)
            {
                errors[field] = ["Give the number in international form, e.g. +447400123456."];
            }

            return e164;
        }

        void Email(string field, string? value)
        {
            if (!string.IsNullOrEmpty(value) && (value.Length > 256 || !MailAddress.TryCreate(value.Trim(), out _)))
            {
                errors[field] = ["Give a valid email address."];
            }
        }

        if (request.GivenName is { Length: > 100 } || request.FamilyName is { Length: > 100 })
        {
            errors["name"] = ["Names have at most 100 characters."];
        }

        Email("email", request.Email);
        Email("alternateEmail", request.AlternateEmail);
        if (request.Email == string.Empty)
        {
            errors["email"] = ["The primary email cannot be removed."];
        }

        var mobile = Phone("mobilePhone", request.MobilePhone);
        var office = Phone("officePhone", request.OfficePhone);
        if (request.Locale is { Length: > 0 } locale && !IsLanguageTag(locale))
        {
            errors["locale"] = ["Give a language tag such as en-GB or fr."];
        }

        if (request.TimeZone is { Length: > 0 } zone && (zone.Length > 64 || !zone.Contains('/', StringComparison.Ordinal) || !TimeZoneInfo.TryFindSystemTimeZoneById(zone, out _)))
        {
            errors["timeZone"] = ["Give a time zone name such as Europe/London."];
        }

        if (errors.Count > 0)
        {
            return (AdminActionResult.Failed, errors);
        }

        var changed = new List<string>();
        var now = time.GetUtcNow();
        var (oldEmail, oldAlternate) = (user.Email, user.AlternateEmail);
        if (request.GivenName is not null && request.GivenName.Trim() != (user.GivenName ?? string.Empty))
        {
            user.GivenName = request.GivenName.Trim();
            changed.Add("givenName");
        }

        if (request.FamilyName is not null && request.FamilyName.Trim() != (user.FamilyName ?? string.Empty))
        {
            user.FamilyName = request.FamilyName.Trim();
            changed.Add("familyName");
        }

        if (request.Email is not null && request.Email.Trim() != user.Email)
        {
            await users.SetEmailAsync(user, request.Email.Trim());
            user.EmailConfirmed = true;
            changed.Add("email");
        }

        if (request.AlternateEmail is not null && request.AlternateEmail.Trim() != (user.AlternateEmail ?? string.Empty))
        {
            (user.AlternateEmail, user.AlternateEmailRegisteredAt) = request.AlternateEmail.Length == 0 ? ((string?)null, (DateTimeOffset?)null) : (request.AlternateEmail.Trim(), now);
            changed.Add("alternateEmail");
        }

        if (request.MobilePhone is not null && mobile != user.MobilePhone)
        {
            (user.MobilePhone, user.MobilePhoneRegisteredAt) = mobile is null ? ((string?)null, (DateTimeOffset?)null) : (mobile, now);
            changed.Add("mobilePhone");
        }

        if (request.Locale is not null && request.Locale.Trim() != (user.Locale ?? string.Empty))
        {
            user.Locale = request.Locale.Length == 0 ? null : request.Locale.Trim();
            changed.Add("locale");
        }

        if (request.TimeZone is not null && request.TimeZone.Trim() != (user.TimeZone ?? string.Empty))
        {
            user.TimeZone = request.TimeZone.Length == 0 ? null : request.TimeZone.Trim();
            changed.Add("timeZone");
        }

        if (request.OfficePhone is not null && office != user.OfficePhone)
        {
            user.OfficePhone = office;
            changed.Add("officePhone");
        }

        if (request.PasswordManagedExternally is { } external && external != user.PasswordManagedExternally)
        {
            changed.Add($"passwordManagedExternally: {user.PasswordManagedExternally} → {external}");
            user.PasswordManagedExternally = external;
        }

        var update = await users.UpdateAsync(user);
        if (!update.Succeeded)
        {
            return (AdminActionResult.Failed, update.Errors.GroupBy(e => e.Code.Contains("Email", StringComparison.Ordinal) ? "email" : "userName")
                .ToDictionary(g => g.Key, g => g.Select(e => e.Description).ToArray()));
        }

        if (changed.Count > 0)
        {
            // The notices are saved with the audit event.
            NotifyContactChanges(user, changed, oldEmail, oldAlternate, now);
            var reason = $"by {actor.Id}: {string.Join(", ", changed)}";
            await audit.WriteAsync(AuditEventTypes.AdminUserUpdated, user.Id, AuditLog.Success, reason.Length > 200 ? reason[..200] : reason, cancellationToken: cancellationToken);
        }

        if (request.Enabled is { } enabled && enabled != user.IsEnabled)
        {
            var result = await SetEnabledAsync(actor, user, enabled, cancellationToken);
            if (result != AdminActionResult.Done)
            {
                return (result, null);
            }
        }

        return (AdminActionResult.Done, null);
    }

    /// <summary>
    /// Creates a user with the given password (checked by the password policy) or, without one, a temporary password
    /// to return once. Either way the password is temporary: whoever chose it, the user must change it at the first
    /// sign-in, and it expires after <see cref="Passwords.PasswordPolicyOptions.TemporaryPasswordLifetime"/>. Returns
    /// the user, or the problems per field.
    /// </summary>
    public async Task<(ApplicationUser? User, string? TemporaryPassword, Dictionary<string, string[]>? Errors)> CreateAsync(
        AdminActor actor, CreateUserRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(request);
        if (!StaffPermissions.Allows(actor, AccountKind.Ordinary, AccountAction.Create))
        {
            return (null, null, new Dictionary<string, string[]> { ["actor"] = ["Only administrators and the helpdesk create accounts."] });
        }

        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(request.UserName) || request.UserName.Length > 256)
        {
            errors["userName"] = ["A username of 1 to 256 characters is required."];
        }

        if (string.IsNullOrWhiteSpace(request.Email) || request.Email.Length > 256 || !MailAddress.TryCreate(request.Email.Trim(), out _))
        {
            errors["email"] = ["A valid email address is required."];
        }

        if (request.GivenName is { Length: > 100 } || request.FamilyName is { Length: > 100 })
        {
            errors["name"] = ["Names have at most 100 characters."];
        }

        if (errors.Count > 0)
        {
            return (null, null, errors);
        }

        var temporary = string.IsNullOrEmpty(request.Password) ? TemporaryPassword() : null;
        var user = new ApplicationUser
        {
            UserName = request.UserName!.Trim(),
            Email = request.Email!.Trim(),
            EmailConfirmed = true,
            GivenName = request.GivenName?.Trim(),
            FamilyName = request.FamilyName?.Trim(),
            CreatedAt = time.GetUtcNow(),
        };
        temporaryPasswords.Issue(user);
        var result = await users.CreateAsync(user, temporary ?? request.Password!);
        if (!result.Succeeded)
        {
            return (null, null, result.Errors.GroupBy(e => e.Code switch
            {
                var c when c.Contains("UserName", StringComparison.Ordinal) => "userName",
                var c when c.Contains("Email", StringComparison.Ordinal) => "email",
                _ => "password",
            }).ToDictionary(g => g.Key, g => g.Select(e => e.Description).ToArray()));
        }

        await audit.WriteAsync(AuditEventTypes.AdminUserCreated, user.Id, AuditLog.Success, $"by {actor.Id}", cancellationToken: cancellationToken);
        return (user, temporary, null);
    }

    /// <summary>
    /// Sets the user's staff roles (administrators only). The last enabled administrator cannot lose the role. Sessions
    /// end when roles are taken away, so they stop at once.
    /// </summary>
    public async Task<AdminActionResult> SetRolesAsync(AdminActor actor, ApplicationUser user, IReadOnlyCollection<string> roles, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(roles);
        if (!await MayActOnAsync(actor, user, AccountAction.SetRoles))
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
        if (removed.Contains(StaffRoles.Administrator)
            && !(await users.GetUsersInRoleAsync(StaffRoles.Administrator)).Any(a => a.IsEnabled && a.Id != user.Id))
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
            await EndSessionsAsync(user, cancellationToken);
        }

        if (added.Count + removed.Count > 0)
        {
            var reason = $"by {actor.Id}: roles {string.Join(',', current.Order(StringComparer.Ordinal))} → {string.Join(',', roles.Distinct().Order(StringComparer.Ordinal))}";
            await audit.WriteAsync(AuditEventTypes.AdminRolesChanged, user.Id, AuditLog.Success, reason.Length > 200 ? reason[..200] : reason, cancellationToken: cancellationToken);
        }

        return AdminActionResult.Done;
    }

    /// <summary>Adds the user to a group or removes them from it (administrators only; groups decide self-service).</summary>
    public async Task<AdminActionResult> SetGroupAsync(AdminActor actor, ApplicationUser user, Guid? groupId, bool member, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(user);
        if (!await MayActOnAsync(actor, user, AccountAction.SetGroups))
        {
            return AdminActionResult.NotAllowed;
        }

        if (groupId is not { } id || !await db.Set<Group>().AnyAsync(g => g.Id == id, cancellationToken))
        {
            return AdminActionResult.Invalid;
        }

        var existing = await db.Set<GroupMembership>().FirstOrDefaultAsync(m => m.GroupId == id && m.UserId == user.Id, cancellationToken);
        if (member == (existing is not null))
        {
            return AdminActionResult.Done;
        }

        if (member)
        {
            db.Add(new GroupMembership { GroupId = id, UserId = user.Id });
        }
        else
        {
            db.Remove(existing!);
        }

        audit.Add(AuditEventTypes.AdminGroupChanged, user.Id, AuditLog.Success, $"by {actor.Id}: {(member ? "added to" : "removed from")} group {id}");
        await db.SaveChangesAsync(cancellationToken);
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

    /// <summary>A BCP 47 tag of a language .NET knows (<c>en</c>, <c>en-GB</c>), at most 35 characters.</summary>
    private static bool IsLanguageTag(string tag)
    {
        try
        {
            return tag.Length <= 35 && System.Globalization.CultureInfo.GetCultureInfo(tag.Trim(), predefinedOnly: true).Name.Length > 0;
        }
        catch (System.Globalization.CultureNotFoundException)
        {
            return false;
        }
    }

    /// <summary>
    /// Queues "your contact details were changed by an administrator" to every address the user has now and to the
    /// addresses that were replaced or removed, when any contact or recovery value changed.
    /// </summary>
    private void NotifyContactChanges(ApplicationUser user, List<string> changed, string? oldEmail, string? oldAlternate, DateTimeOffset now)
    {
        var what = changed.Select(field => field switch
        {
            "email" => "primary email address",
            "alternateEmail" => "alternate email address",
            "mobilePhone" => "mobile phone number",
            "officePhone" => "office phone number",
            _ => null,
        }).OfType<string>().ToList();
        if (what.Count == 0)
        {
            return;
        }

        var notice = templates.ContactDetailsChanged(user.UserName ?? user.Id, string.Join(", ", what), now, System.Globalization.CultureInfo.CurrentUICulture);
        foreach (var address in new[] { user.Email, user.AlternateEmail, oldEmail, oldAlternate }
            .Where(a => !string.IsNullOrEmpty(a)).Distinct(StringComparer.OrdinalIgnoreCase))
        {
            outbox.Email(address!, notice, "contact-details-changed");
        }
    }

    private async Task EndSessionsAsync(ApplicationUser target, CancellationToken cancellationToken)
    {
        await sessions.EndAllAsync(target, keepSessionId: null, cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
    }
}
