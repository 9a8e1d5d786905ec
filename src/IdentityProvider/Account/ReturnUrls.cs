using Microsoft.AspNetCore.Http.HttpResults;

namespace IdentityProvider.Account;

/// <summary>Return URLs are followed only when they stay on this server; anything else goes home.</summary>
internal static class ReturnUrls
{
    public static string Sanitize(string? returnUrl) =>
        !string.IsNullOrEmpty(returnUrl) && returnUrl.Length <= 4096 && !returnUrl.Any(char.IsControl) && RedirectHttpResult.IsLocalUrl(returnUrl)
            ? returnUrl
            : "/";
}
