using System.Security.Cryptography;
using System.Text;
using IdentityProvider.Data;
using Microsoft.AspNetCore.DataProtection;

namespace IdentityProvider.SelfService.MultiFactor;

/// <summary>
/// "Remember this browser": a cookie, encrypted and signed with Data Protection and time-limited to the policy's days,
/// that lets a browser which proved a second factor skip it for the same user. Each entry is bound to the user's
/// security stamp at the time, so a password reset, a password change, an administrator's reset and "sign out
/// everywhere" (which all give the user a new stamp) forget every browser at once. At most ten accounts per browser.
/// </summary>
public sealed class RememberedBrowsers(IDataProtectionProvider protection, Hosting.CookieNames cookieNames, TimeProvider time)
{
    public const string CookieName = "idp.mfa-browser";
    private const int MaximumAccounts = 10;

    private readonly ITimeLimitedDataProtector protector =
        protection.CreateProtector("IdentityProvider.SelfService.RememberedBrowser").ToTimeLimitedDataProtector();

    /// <summary>
    /// Whether this browser proved a second factor for <paramref name="user"/> within the last <paramref name="days"/>
    /// days (the policy's current setting, so shortening it or turning it off applies to browsers remembered
    /// before) and since their last credential change.
    /// </summary>
    public bool IsRemembered(HttpContext http, ApplicationUser user, int days)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (days <= 0)
        {
            return false;
        }

        var since = time.GetUtcNow().AddDays(-days).ToUnixTimeSeconds();
        return Read(http).Any(entry => entry.UserId == user.Id && entry.Stamp == Digest(user) && entry.Issued > since);
    }

    /// <summary>Remembers this browser for <paramref name="user"/>; the cookie lasts <paramref name="days"/> days.</summary>
    public void Remember(HttpContext http, ApplicationUser user, int days)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(user);
        var now = time.GetUtcNow();
        var lifetime = TimeSpan.FromDays(days);
        var oldest = (now - lifetime).ToUnixTimeSeconds();
        var entries = Read(http).Where(entry => entry.UserId != user.Id && entry.Issued > oldest)
            .Prepend(new Entry(user.Id, Digest(user), now.ToUnixTimeSeconds())).Take(MaximumAccounts).ToList();
        var value = protector.Protect(string.Join('\n', entries.Select(entry => $"{entry.UserId} {entry.Stamp} {entry.Issued}")), now + lifetime);
        http.Response.Cookies.Append(cookieNames.For(CookieName), value, new CookieOptions
        {
            HttpOnly = true,
            Secure = http.Request.IsHttps,
            SameSite = SameSiteMode.Lax,
            MaxAge = lifetime,
            IsEssential = true,
            Path = "/",
        });
    }

    private static string Digest(ApplicationUser user) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(user.SecurityStamp ?? string.Empty)), 0, 16);

    private List<Entry> Read(HttpContext http)
    {
        if (!http.Request.Cookies.TryGetValue(cookieNames.For(CookieName), out var value) || string.IsNullOrEmpty(value))
        {
            return [];
        }

        try
        {
            return [.. protector.Unprotect(value).Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(line => line.Split(' '))
                .Where(parts => parts.Length == 3 && long.TryParse(parts[2], System.Globalization.CultureInfo.InvariantCulture, out _))
                .Select(parts => new Entry(parts[0], parts[1], long.Parse(parts[2], System.Globalization.CultureInfo.InvariantCulture)))];
        }
        catch (CryptographicException)
        {
            // Expired, forged or from another deployment: nothing remembered.
            return [];
        }
    }

    private sealed record Entry(string UserId, string Stamp, long Issued);
}
