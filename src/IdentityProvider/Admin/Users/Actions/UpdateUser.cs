using System.Globalization;
using System.Net.Mail;
using IdentityProvider.Audit;
using IdentityProvider.Data;
using IdentityProvider.Messaging;
using IdentityProvider.Passwords;

namespace IdentityProvider.Admin.Users.Actions;

/// <summary>
/// Changes a user's profile, contact data or state (null fields stay, an empty string clears a contact value). Contact
/// data an administrator sets counts for self-service until the user changes it, so every change to it is emailed to
/// the user: to the addresses they have now and, when an address changed, to the old one too. Returns the errors per
/// field when the request is invalid (nothing is changed then).
/// </summary>
public sealed class UpdateUserAction(
    AdminActionGuard guard,
    SetEnabledAction setEnabled,
    ApplicationUserManager users,
    Messaging.Outbox outbox,
    MessageTemplates templates,
    AuditLog audit,
    TimeProvider time)
{
    public async Task<(AdminActionResult Result, Dictionary<string, string[]>? Errors)> RunAsync(
        AdminActor actor, ApplicationUser user, UpdateUserRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(request);
        if (!await guard.MayActOnAsync(actor, user, AccountAction.EditProfile)
            || (request.PasswordManagedExternally is not null && request.PasswordManagedExternally != user.PasswordManagedExternally
                && !await guard.MayActOnAsync(actor, user, AccountAction.SetPasswordManagedExternally)))
        {
            return (AdminActionResult.NotAllowed, null);
        }

        var errors = Validate(request, out var mobile, out var office);
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
            var result = await setEnabled.RunAsync(actor, user, enabled, cancellationToken);
            if (result != AdminActionResult.Done)
            {
                return (result, null);
            }
        }

        return (AdminActionResult.Done, null);
    }

    /// <summary>The problems per field (none when the request may be applied), and the phone numbers in E.164 form.</summary>
    private static Dictionary<string, string[]> Validate(UpdateUserRequest request, out string? mobile, out string? office)
    {
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

        mobile = Phone("mobilePhone", request.MobilePhone);
        office = Phone("officePhone", request.OfficePhone);
        if (request.Locale is { Length: > 0 } locale && !IsLanguageTag(locale))
        {
            errors["locale"] = ["Give a language tag such as en-GB or fr."];
        }

        if (request.TimeZone is { Length: > 0 } zone && (zone.Length > 64 || !zone.Contains('/', StringComparison.Ordinal) || !TimeZoneInfo.TryFindSystemTimeZoneById(zone, out _)))
        {
            errors["timeZone"] = ["Give a time zone name such as Europe/London."];
        }

        return errors;
    }

    /// <summary>A BCP 47 tag of a language .NET knows (<c>en</c>, <c>en-GB</c>), at most 35 characters.</summary>
    private static bool IsLanguageTag(string tag)
    {
        try
        {
            return tag.Length <= 35 && CultureInfo.GetCultureInfo(tag.Trim(), predefinedOnly: true).Name.Length > 0;
        }
        catch (CultureNotFoundException)
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

        var notice = templates.ContactDetailsChanged(user.UserName ?? user.Id, string.Join(", ", what), now, user);
        foreach (var address in new[] { user.Email, user.AlternateEmail, oldEmail, oldAlternate }
            .Where(a => !string.IsNullOrEmpty(a)).Distinct(StringComparer.OrdinalIgnoreCase))
        {
            outbox.Email(address!, notice, "contact-details-changed");
        }
    }
}
