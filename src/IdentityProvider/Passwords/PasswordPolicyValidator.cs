using IdentityProvider.Data;
using Microsoft.AspNetCore.Identity;

namespace IdentityProvider.Passwords;

/// <summary>
/// Identity's hook into the one password policy, for the paths that set a first password (create, add-password).
/// Changes and resets go through <see cref="ApplicationUserManager.SetPasswordAsync"/>, which names its
/// <see cref="PasswordSetting"/>.
/// </summary>
internal sealed class PasswordPolicyValidator(PasswordPolicy policy) : IPasswordValidator<ApplicationUser>
{
    public async Task<IdentityResult> ValidateAsync(UserManager<ApplicationUser> manager, ApplicationUser user, string? password)
    {
        ArgumentNullException.ThrowIfNull(manager);
        var check = await policy.CheckAsync(user, password ?? string.Empty, await policy.HistoryAppliesAsync(PasswordSetting.Change));
        return check.Acceptable ? IdentityResult.Success : IdentityResult.Failed([.. check.Failures]);
    }
}
