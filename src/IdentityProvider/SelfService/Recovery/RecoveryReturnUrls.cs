using IdentityProvider.Account;
using OpenIddict.Abstractions;

namespace IdentityProvider.SelfService.Recovery;

/// <summary>
/// Where a journey may send the user back to: a URL on this server (the usual case: the sign-in page's authorization
/// request), or exactly a redirect URI registered by a client (query ignored). Anything else becomes <c>/</c>.
/// </summary>
public sealed class RecoveryReturnUrls(IOpenIddictApplicationManager applications)
{
    public async Task<string> ValidateAsync(string? returnUrl, CancellationToken cancellationToken = default)
    {
        var local = ReturnUrls.Sanitize(returnUrl);
        if (local != "/" || string.IsNullOrEmpty(returnUrl) || returnUrl.Length > 2000 || returnUrl.Any(char.IsControl))
        {
            return local;
        }

        if (!Uri.TryCreate(returnUrl, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http") || !string.IsNullOrEmpty(uri.UserInfo))
        {
            return "/";
        }

        var withoutQuery = uri.GetLeftPart(UriPartial.Path);
        await foreach (var application in applications.FindByRedirectUriAsync(withoutQuery, cancellationToken))
        {
            if (await applications.ValidateRedirectUriAsync(application, withoutQuery, cancellationToken))
            {
                return uri.AbsoluteUri;
            }
        }

        return "/";
    }

    /// <summary>The link of the done page: the sign-in page that carries on to the return URL, or the app's own page.</summary>
    public static string SignInLink(string returnUrl) =>
        !returnUrl.StartsWith('/')
            ? returnUrl
            : returnUrl == "/" ? "/Account/Login" : "/Account/Login?returnUrl=" + Uri.EscapeDataString(returnUrl);
}
