using System.Text;

namespace IdentityProvider.Passwords;

/// <summary>
/// The one form a password takes before it is hashed, checked against a hash or measured: Unicode normalisation form
/// KC. NIST SP 800-63B (5.1.1.2) asks verifiers to normalise before hashing, and the OpaqueString profile of RFC 8265
/// maps width and compatibility characters the same way, so "Café" typed composed or decomposed, or a password typed
/// in full-width characters, is one password. Nothing else is changed: case, spaces and symbols stay as typed.
/// </summary>
public static class PasswordText
{
    public static string Normalize(string password)
    {
        ArgumentNullException.ThrowIfNull(password);
        try
        {
            return password.IsNormalized(NormalizationForm.FormKC) ? password : password.Normalize(NormalizationForm.FormKC);
        }
        catch (ArgumentException)
        {
            // Not well-formed UTF-16 (a lone surrogate): there is no normal form; the text is used as it is.
            return password;
        }
    }
}
