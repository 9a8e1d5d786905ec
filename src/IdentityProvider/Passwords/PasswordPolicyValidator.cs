using IdentityProvider.Data;
using Microsoft.AspNetCore.Identity;

namespace IdentityProvider.Passwords;

/// <summary>Identity's hook into the one password policy: runs on create, change, reset and add-password alike.</summary>
internal sealed class PasswordPolicyValidator(PasswordPolicy policy) : IPasswordValidator<ApplicationUser>
{
    public async Task<IdentityResult> ValidateAsync(UserManager<ApplicationUser> manager, ApplicationUser user, string? password)
    {
        ArgumentNullException.ThrowIfNull(manager);
        var isReset = manager is ApplicationUserManager { IsResettingPassword: true };
        var check = await policy.CheckAsync(user, password ?? string.Empty, await policy.HistoryAppliesAsync(isReset));
        return check.Acceptable ? IdentityResult.Success : IdentityResult.Failed([.. check.Failures]);
    }
}
