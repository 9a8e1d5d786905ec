using System.Security.Claims;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace IdentityProvider.Oidc;

/// <summary>
/// The one place that decides which token each claim goes into. Identity tokens get only protocol claims and the
/// claims about the user that the granted scopes release or that the client asked for by name (the <c>claims</c>
/// request parameter); anything else stays in server-side tokens or in none.
/// </summary>
internal static class ClaimDestinations
{
    public static IEnumerable<string> For(Claim claim)
    {
        var identity = claim.Subject;
        var principal = identity?.FindFirst(Claims.Subject) is not null ? new ClaimsPrincipal(identity) : null;

        if (UserClaimsFactory.ScopeOf(claim.Type) is { } scope)
        {
            var granted = principal?.HasScope(scope) == true;
            // Roles always reach APIs (access tokens), whatever was asked.
            if (granted || claim.Type == Claims.Role)
            {
                yield return Destinations.AccessToken;
            }

            if (granted || CustomClaims.Names(identity?.FindFirst(CustomClaims.IdTokenClaims)?.Value).Contains(claim.Type))
            {
                yield return Destinations.IdentityToken;
            }

            yield break;
        }

        switch (claim.Type)
        {
            case Claims.Subject:
            case CustomClaims.PasswordChangedAt:
                yield return Destinations.AccessToken;
                yield return Destinations.IdentityToken;
                yield break;

            // How and when the user authenticated: apps read it from the identity token, APIs from the access token
            // (RFC 9068 2.2.1), e.g. the admin API, which asks a person's token for a recent second factor.
            case Claims.AuthenticationMethodReference or Claims.AuthenticationTime or Claims.AuthenticationContextReference:
                yield return Destinations.AccessToken;
                yield return Destinations.IdentityToken;
                yield break;

            // The session at this server, for logout (OpenID Connect Back-Channel Logout's sid).
            case CustomClaims.SessionId:
                yield return Destinations.IdentityToken;
                yield break;

            // Client credentials: the client's own name is useful to APIs; the userinfo endpoint reads what was asked of it.
            case Claims.ClientId or CustomClaims.UserInfoClaims:
                yield return Destinations.AccessToken;
                yield break;

            // Everything else, including the stamp digest and the claims asked for the identity token, stays in
            // server-side tokens only.
            default:
                yield break;
        }
    }
}
