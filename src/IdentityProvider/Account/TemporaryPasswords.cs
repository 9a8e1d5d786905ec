using IdentityProvider.Data;
using IdentityProvider.Passwords;
using Microsoft.Extensions.Options;

namespace IdentityProvider.Account;

/// <summary>
/// Passwords that staff set (an administrator's reset, or a new account, whether the password was generated or typed by
/// the administrator): the user must change them at the next sign-in, and they stop working after
/// <see cref="PasswordPolicyOptions.TemporaryPasswordLifetime"/> (default 24 hours). Only someone who typed the right
/// temporary password learns that it expired; anyone else gets the usual answer for a wrong password.
/// </summary>
public sealed class TemporaryPasswords(IOptions<PasswordPolicyOptions> options, TimeProvider time)
{
    /// <summary>Marks the user's current password as temporary: change required, expiring after the configured lifetime.</summary>
    public void Issue(ApplicationUser user)
    {
        ArgumentNullException.ThrowIfNull(user);
        user.MustChangePassword = true;
        user.TemporaryPasswordExpiresAt = time.GetUtcNow() + options.Value.TemporaryPasswordLifetime;
    }

    /// <summary>The user's password is a temporary one whose time ran out: it cannot sign in any more.</summary>
    public bool HasExpired(ApplicationUser user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return user.MustChangePassword && user.TemporaryPasswordExpiresAt is { } expires && expires <= time.GetUtcNow();
    }
}
