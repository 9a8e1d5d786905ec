using Microsoft.AspNetCore.DataProtection;

namespace IdentityProvider.SelfService.SecurityInfo;

/// <summary>
/// "Signed in within the last 5 minutes": a cookie that carries the user id, protected with a time-limited Data
/// Protection payload. Set by the sign-in page and by re-entering the password; changing recovery methods needs it.
/// </summary>
public sealed class RecentSignIn(IDataProtectionProvider protection, TimeProvider time)
{
    public const string CookieName = "idp.recent";
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(5);

    private readonly ITimeLimitedDataProtector protector = protection.CreateProtector("IdentityProvider.SelfService.RecentSignIn").ToTimeLimitedDataProtector();

    public void Mark(HttpContext http, string userId)
    {
        ArgumentNullException.ThrowIfNull(http);
        var expires = time.GetUtcNow().Add(Window);
        http.Response.Cookies.Append(CookieName, protector.Protect(userId, expires), new CookieOptions
        {
            HttpOnly = true,
            Secure = http.Request.IsHttps,
            SameSite = SameSiteMode.Lax,
            Path = "/",
            MaxAge = Window,
            IsEssential = true,
        });
    }

    public bool IsRecent(HttpContext http, string userId)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (!http.Request.Cookies.TryGetValue(CookieName, out var value) || string.IsNullOrEmpty(value) || value.Length > 2000)
        {
            return false;
        }

        try
        {
            var who = protector.Unprotect(value, out var expires);
            return who == userId && expires > time.GetUtcNow();
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return false;
        }
    }
}
