using System.Security.Claims;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace IdentityProvider.Oidc;

/// <summary>The one place that decides which token each claim goes into, based on the granted scopes.</summary>
internal static class ClaimDestinations
{
    public static IEnumerable<string> For(Claim claim)
    {
        var principal = claim.Subject?.FindFirst(Claims.Subject) is not null ? new ClaimsPrincipal(claim.Subject) : null;
        bool Has(string scope) => principal?.HasScope(scope) == true;

        switch (claim.Type)
        {
            case Claims.Subject:
                yield return Destinations.AccessToken;
                yield return Destinations.IdentityToken;
                yield break;

            case Claims.Name or Claims.PreferredUsername or Claims.GivenName or Claims.FamilyName:
                if (Has(Scopes.Profile))
                {
                    yield return Destinations.AccessToken;
                    yield return Destinations.IdentityToken;
                }

                yield break;

            case Claims.Email or Claims.EmailVerified:
                if (Has(Scopes.Email))
                {
                    yield return Destinations.AccessToken;
                    yield return Destinations.IdentityToken;
                }

                yield break;

            case Claims.PhoneNumber or Claims.PhoneNumberVerified:
                if (Has(Scopes.Phone))
                {
                    yield return Destinations.AccessToken;
                    yield return Destinations.IdentityToken;
                }

                yield break;

            case Claims.Role:
                yield return Destinations.AccessToken;
                if (Has(CustomScopes.Roles))
                {
                    yield return Destinations.IdentityToken;
                }

                yield break;

            // How and when the user authenticated: apps read it from the id_token, APIs from the access token (RFC 9068
            // 2.2.1), e.g. the admin API, which asks a person's token for a recent second factor.
            case Claims.AuthenticationMethodReference or Claims.AuthenticationTime:
                yield return Destinations.AccessToken;
                yield return Destinations.IdentityToken;
                yield break;

            // The session at this server (OpenID Connect Front-/Back-Channel Logout's sid).
            case "sid":
                yield return Destinations.IdentityToken;
                yield break;

            case CustomClaims.PasswordChangedAt:
                yield return Destinations.AccessToken;
                yield return Destinations.IdentityToken;
                yield break;

            // Client credentials: the client's own name is useful to APIs.
            case Claims.ClientId:
                yield return Destinations.AccessToken;
                yield break;

            // Everything else, including the stamp digest, stays in server-side tokens only.
            default:
                yield break;
        }
    }
}
