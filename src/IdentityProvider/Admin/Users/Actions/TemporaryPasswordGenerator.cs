using System.Security.Cryptography;

namespace IdentityProvider.Admin.Users.Actions;

/// <summary>The passwords staff hand out once: an administrator's reset, or a new account without a typed password.</summary>
internal static class TemporaryPasswordGenerator
{
    private const string Alphabet = "ABCDEFGHJKMNPQRSTUVWXYZabcdefghjkmnpqrstuvwxyz23456789";

    /// <summary>Four groups of four unambiguous letters and digits, e.g. <c>Kq7m-Xr2p-Vb9t-Hw4z</c>, with every character class.</summary>
    public static string Next()
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
}
