using Microsoft.AspNetCore.DataProtection;

namespace IdentityProvider.Hosting;

/// <summary>
/// A short-lived proof about the signed-in user kept in a cookie: their user id in a time-limited Data Protection
/// payload. "Signed in within 5 minutes" and the admin step-up are both this, with their own purpose, path and lifetime.
/// The cookie's name on the wire comes from <see cref="CookieNames"/> (prefixed outside Development).
/// </summary>
public abstract class ProofCookie(IDataProtectionProvider protection, TimeProvider time, string purpose, string cookieName, string path, SameSiteMode sameSite, TimeSpan window)
{
    private readonly ITimeLimitedDataProtector protector = protection.CreateProtector(purpose).ToTimeLimitedDataProtector();

    public TimeSpan Window => window;

    public void Mark(HttpContext http, string userId)
    {
        ArgumentNullException.ThrowIfNull(http);
        http.Response.Cookies.Append(NameIn(http), protector.Protect(userId, time.GetUtcNow().Add(window)), new CookieOptions
        {
            HttpOnly = true,
            Secure = http.Request.IsHttps,
            SameSite = sameSite,
            Path = path,
            MaxAge = window,
            IsEssential = true,
        });
    }

    public bool IsFresh(HttpContext http, string? userId)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (userId is null || !http.Request.Cookies.TryGetValue(NameIn(http), out var value) || string.IsNullOrEmpty(value) || value.Length > 2000)
        {
            return false;
        }

        try
        {
            return protector.Unprotect(value, out var expires) == userId && expires > time.GetUtcNow();
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return false;
        }
    }

    private string NameIn(HttpContext http) => http.RequestServices.GetRequiredService<CookieNames>().For(cookieName, path);
}
