using System.Net.Mail;
using IdentityProvider.Account;
using IdentityProvider.Audit;
using IdentityProvider.Data;
using IdentityProvider.Passwords;

namespace IdentityProvider.Admin.Users.Actions;

/// <summary>
/// Creates a user with the given password (checked by the password policy) or, without one, a temporary password to
/// return once. Either way the password is temporary: whoever chose it, the user must change it at the first sign-in,
/// and it expires after <see cref="PasswordPolicyOptions.TemporaryPasswordLifetime"/>. Returns the user, or the
/// problems per field.
/// </summary>
public sealed class CreateUserAction(ApplicationUserManager users, TemporaryPasswords temporaryPasswords, AuditLog audit, TimeProvider time)
{
    public async Task<(AdminActionResult Result, ApplicationUser? User, string? TemporaryPassword, Dictionary<string, string[]>? Errors)> RunAsync(
        AdminActor actor, CreateUserRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(request);
        // A new account has no staff role yet: the table's answer for an ordinary account.
        if (!StaffPermissions.Allows(actor, AccountKind.Ordinary, AccountAction.Create))
        {
            return (AdminActionResult.NotAllowed, null, null, new Dictionary<string, string[]> { ["actor"] = ["Only administrators and the helpdesk create accounts."] });
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
            return (AdminActionResult.Failed, null, null, errors);
        }

        var temporary = string.IsNullOrEmpty(request.Password) ? TemporaryPasswordGenerator.Next() : null;
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
            return (AdminActionResult.Failed, null, null, result.Errors.GroupBy(e => e.Code switch
            {
                var c when c.Contains("UserName", StringComparison.Ordinal) => "userName",
                var c when c.Contains("Email", StringComparison.Ordinal) => "email",
                _ => "password",
            }).ToDictionary(g => g.Key, g => g.Select(e => e.Description).ToArray()));
        }

        await audit.WriteAsync(AuditEventTypes.AdminUserCreated, user.Id, AuditLog.Success, $"by {actor.Id}", cancellationToken: cancellationToken);
        return (AdminActionResult.Done, user, temporary, null);
    }
}
