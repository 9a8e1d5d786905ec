using System.Globalization;

namespace IdentityProvider.Account;

/// <summary>The words for "too many attempts, wait until …" on pages where the user is already known.</summary>
internal static class SignInPause
{
    /// <param name="until">When attempts may start again, if known.</param>
    /// <param name="what">What is paused, starting with a capital: password attempts by default.</param>
    public static string Message(DateTimeOffset? until, string what = "Password attempts for your account") =>
        until is { } time
            ? $"{what} are paused until {time.ToUniversalTime().ToString("HH:mm:ss 'UTC'", CultureInfo.InvariantCulture)} because of too many wrong tries. Try again after that."
            : $"{what} are paused for now because of too many wrong tries. Try again later.";
}
