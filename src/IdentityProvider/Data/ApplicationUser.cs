using Microsoft.AspNetCore.Identity;

namespace IdentityProvider.Data;

/// <summary>A person who signs in. Identity's columns plus the profile and state the product needs.</summary>
public sealed class ApplicationUser : IdentityUser
{
    public string? GivenName { get; set; }

    public string? FamilyName { get; set; }

    /// <summary>False when an administrator disabled the account: no sign-in and no new tokens.</summary>
    public bool IsEnabled { get; set; } = true;

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>When the password was last set (not when it was merely rehashed).</summary>
    public DateTimeOffset? PasswordChangedAt { get; set; }

    /// <summary>Set by an administrator's reset (temporary password): the next sign-in must choose a new password.</summary>
    public bool MustChangePassword { get; set; }

    public string DisplayName =>
        string.Join(' ', new[] { GivenName, FamilyName }.Where(part => !string.IsNullOrWhiteSpace(part))) is { Length: > 0 } name
            ? name
            : UserName ?? Id;
}
