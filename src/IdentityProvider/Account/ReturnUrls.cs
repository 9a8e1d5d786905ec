namespace IdentityProvider.Account;

/// <summary>Return URLs are followed only when they stay on this server; anything else goes home.</summary>
internal static class ReturnUrls
{
    public static string Sanitize(string? returnUrl)
    {
        if (string.IsNullOrEmpty(returnUrl) || returnUrl.Length > 4096)
        {
            return "/";
        }

        // Same rules as IUrlHelper.IsLocalUrl: one leading slash, no scheme-relative "//" or "/\", or "~/".
        var local = returnUrl[0] == '/'
            ? returnUrl.Length == 1 || (returnUrl[1] != '/' && returnUrl[1] != '\\')
            : returnUrl.Length > 1 && returnUrl[0] == '~' && returnUrl[1] == '/' && (returnUrl.Length == 2 || (returnUrl[2] != '/' && returnUrl[2] != '\\'));
        return local && !returnUrl.Any(char.IsControl) ? returnUrl : "/";
    }
}
