using Microsoft.AspNetCore.Http.HttpResults;
using OpenIddict.Abstractions;

namespace IdentityProvider.Account;

/// <summary>
/// The one rule for every return address a page accepts (sign-in, sign-out, change password, security info, the
/// recovery journey, the admin step-up). An address is followed when it is
/// <list type="bullet">
/// <item>a path on this server (<c>/…</c>, never <c>//…</c> or <c>/\…</c>), in printable ASCII, at most
/// <see cref="MaximumLength"/> characters (<see cref="Sanitize"/>); or</item>
/// <item>where a page may send the user back to an application: exactly one of a client's registered redirect URIs,
/// compared character by character, query included (<see cref="ValidateAsync"/>, <see cref="IsRegisteredAsync"/>).</item>
/// </list>
/// Anything else falls back to <see cref="Default"/>; nothing is ever "fixed up" into an address elsewhere.
/// </summary>
public sealed class ReturnUrls(IOpenIddictApplicationManager applications)
{
    public const string Default = "/";

    /// <summary>Longest address accepted (an authorization request as a sign-in's return URL fits comfortably).</summary>
    public const int MaximumLength = 4096;

    /// <summary>Longest redirect URI compared with the registered ones.</summary>
    public const int MaximumRedirectUriLength = 2000;

    /// <summary>The address when it stays on this server, otherwise <see cref="Default"/>.</summary>
    public static string Sanitize(string? returnUrl) => IsLocal(returnUrl) ? returnUrl! : Default;

    /// <summary>A path on this server: starts with one <c>/</c> (or <c>~/</c>), printable ASCII only (no spaces, controls or other scripts).</summary>
    public static bool IsLocal(string? url) =>
        !string.IsNullOrEmpty(url) && url.Length <= MaximumLength && url.All(c => c is > ' ' and < '\u007f') && RedirectHttpResult.IsLocalUrl(url);

    /// <summary>The address when it is local or exactly a registered redirect URI of some client; otherwise <see cref="Default"/>.</summary>
    public async Task<string> ValidateAsync(string? returnUrl, CancellationToken cancellationToken = default) =>
        IsLocal(returnUrl) ? returnUrl! : await IsRegisteredAsync(returnUrl, clientId: null, cancellationToken) ? returnUrl! : Default;

    /// <summary>
    /// Whether <paramref name="uri"/> is, character for character, a redirect URI registered by the client
    /// <paramref name="clientId"/> (or by any client when it is null). Case, trailing slashes and the query all count.
    /// </summary>
    public async Task<bool> IsRegisteredAsync(string? uri, string? clientId, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrEmpty(uri) || uri.Length > MaximumRedirectUriLength || !uri.All(c => c is > ' ' and < '\u007f')
            || !Uri.TryCreate(uri, UriKind.Absolute, out var parsed) || parsed.Scheme is not ("https" or "http"))
        {
            return false;
        }

        if (clientId is not null)
        {
            var application = clientId.Length is > 0 and <= 200 ? await applications.FindByClientIdAsync(clientId, cancellationToken) : null;
            return application is not null && await applications.ValidateRedirectUriAsync(application, uri, cancellationToken);
        }

        // OpenIddict's lookup compares each registered URI with an ordinal string comparison.
        await foreach (var _ in applications.FindByRedirectUriAsync(uri, cancellationToken))
        {
            return true;
        }

        return false;
    }

    /// <summary>The recovery pages' "sign in" link: the sign-in page that carries on to a local return URL, or the app's own registered address.</summary>
    public static string SignInLink(string returnUrl) =>
        !IsLocal(returnUrl)
            ? returnUrl
            : returnUrl == Default ? "/Account/Login" : "/Account/Login?returnUrl=" + Uri.EscapeDataString(returnUrl);
}
