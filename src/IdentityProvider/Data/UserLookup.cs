using Microsoft.AspNetCore.Identity;

namespace IdentityProvider.Data;

/// <summary>The one way a typed user ID finds its account, for sign-in and self-service alike.</summary>
public static class UserLookup
{
    /// <summary>
    /// The account whose username is <paramref name="nameOrEmail"/>, else (when it looks like an address) the account
    /// with that email; null when neither exists. Identity normalises both, so case does not matter.
    /// </summary>
    public static async Task<ApplicationUser?> FindByNameOrEmailAsync(this UserManager<ApplicationUser> users, string nameOrEmail)
    {
        ArgumentNullException.ThrowIfNull(users);
        ArgumentNullException.ThrowIfNull(nameOrEmail);
        return await users.FindByNameAsync(nameOrEmail)
            ?? (nameOrEmail.Contains('@', StringComparison.Ordinal) ? await users.FindByEmailAsync(nameOrEmail) : null);
    }
}
