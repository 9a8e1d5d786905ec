using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;

namespace IdentityProvider.Lockout;

/// <summary>
/// The familiar-device cookie: long-lived, HttpOnly, encrypted and signed with Data Protection, listing the accounts
/// that signed in successfully from this browser. Failures from a browser that holds it count apart from the rest,
/// so that strangers guessing a password cannot lock the real user out of their usual browser.
/// </summary>
public sealed class FamiliarDevices(IDataProtectionProvider protection, IOptions<LockoutOptions> options, Hosting.CookieNames cookieNames, TimeProvider time)
{
    public const string CookieName = "idp.device";
    private const int MaximumAccounts = 10;

    private readonly ITimeLimitedDataProtector protector =
        protection.CreateProtector("IdentityProvider.Lockout.FamiliarDevice").ToTimeLimitedDataProtector();

    public bool IsFamiliar(HttpContext context, string userId) => Read(context).Contains(userId, StringComparer.Ordinal);

    public void Remember(HttpContext context, string userId)
    {
        ArgumentNullException.ThrowIfNull(context);
        var accounts = Read(context).Where(id => id != userId).Prepend(userId).Take(MaximumAccounts);
        var lifetime = options.Value.FamiliarDeviceLifetime;
        var value = protector.Protect(string.Join('\n', accounts), time.GetUtcNow() + lifetime);
        context.Response.Cookies.Append(cookieNames.For(CookieName), value, new CookieOptions
        {
            HttpOnly = true,
            Secure = context.Request.IsHttps,
            SameSite = SameSiteMode.Lax,
            MaxAge = lifetime,
            IsEssential = true,
            Path = "/",
        });
    }

    private string[] Read(HttpContext context)
    {
        if (!context.Request.Cookies.TryGetValue(cookieNames.For(CookieName), out var value) || string.IsNullOrEmpty(value))
        {
            return [];
        }

        try
        {
            return protector.Unprotect(value).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            // Expired, forged or from another deployment: an unfamiliar device.
            return [];
        }
    }
}
