using System.Security.Claims;
using IdentityProvider.Oidc;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace IdentityProvider.UnitTests.Oidc;

public sealed class ClaimDestinationsTests
{
    [Theory]
    [InlineData(Claims.Email, Scopes.Email, true)]
    [InlineData(Claims.Email, Scopes.Profile, false)]
    [InlineData(Claims.Name, Scopes.Profile, true)]
    [InlineData(Claims.Name, Scopes.Email, false)]
    [InlineData(Claims.PhoneNumber, Scopes.Phone, true)]
    [InlineData(Claims.PhoneNumber, Scopes.Profile, false)]
    public void ProfileClaims_GoIntoTokens_OnlyWithTheirScope(string claimType, string scope, bool expected)
    {
        var claim = Principal(scope).FindFirst(claimType)!;

        var destinations = ClaimDestinations.For(claim).ToList();

        Assert.Equal(expected, destinations.Contains(Destinations.IdentityToken));
        Assert.Equal(expected, destinations.Contains(Destinations.AccessToken));
    }

    [Fact]
    public void Subject_AlwaysGoesIntoBothTokens() =>
        Assert.Equal([Destinations.AccessToken, Destinations.IdentityToken], ClaimDestinations.For(Principal().FindFirst(Claims.Subject)!));

    [Fact]
    public void StampDigest_AndSecurityStamp_NeverLeaveTheServer()
    {
        var principal = Principal(Scopes.Profile, Scopes.Email);

        Assert.Empty(ClaimDestinations.For(principal.FindFirst(CustomClaims.StampDigest)!));
        Assert.Empty(ClaimDestinations.For(principal.FindFirst("AspNet.Identity.SecurityStamp")!));
    }

    [Fact]
    public void Roles_GoToTheAccessToken_AndToTheIdentityTokenOnlyWithTheRolesScope()
    {
        Assert.Equal([Destinations.AccessToken], ClaimDestinations.For(Principal().FindFirst(Claims.Role)!));
        Assert.Equal([Destinations.AccessToken, Destinations.IdentityToken], ClaimDestinations.For(Principal(CustomScopes.Roles).FindFirst(Claims.Role)!));
    }

    [Fact]
    public void AClaimAskedForTheIdentityToken_GoesThereWithoutItsScope_ButNotIntoTheAccessToken()
    {
        var principal = Principal();
        principal.Identities.Single().AddClaim(new Claim(CustomClaims.IdTokenClaims, "email"));

        Assert.Equal([Destinations.IdentityToken], ClaimDestinations.For(principal.FindFirst(Claims.Email)!));
        Assert.Empty(ClaimDestinations.For(principal.FindFirst(Claims.Name)!));
        Assert.Empty(ClaimDestinations.For(principal.FindFirst(CustomClaims.IdTokenClaims)!));
    }

    [Theory]
    [InlineData(Claims.AuthenticationContextReference)]
    [InlineData(Claims.AuthenticationMethodReference)]
    [InlineData(Claims.AuthenticationTime)]
    public void HowAndWhenTheUserAuthenticated_GoesIntoTheIdentityAndAccessTokens(string type)
    {
        // RFC 9068 2.2.1: an API (the admin API among them) reads acr, amr and auth_time from the access token.
        var principal = Principal();
        principal.Identities.Single().AddClaim(new Claim(type, "value"));

        Assert.Equal([Destinations.AccessToken, Destinations.IdentityToken], ClaimDestinations.For(principal.FindFirst(type)!));
    }

    [Fact]
    public void TheSessionId_GoesIntoTheIdentityTokenOnly()
    {
        var principal = Principal();
        principal.Identities.Single().AddClaim(new Claim(CustomClaims.SessionId, "value"));

        Assert.Equal([Destinations.IdentityToken], ClaimDestinations.For(principal.FindFirst(CustomClaims.SessionId)!));
    }

    private static ClaimsPrincipal Principal(params string[] scopes)
    {
        var identity = new ClaimsIdentity("test");
        identity.SetClaim(Claims.Subject, "user-1")
            .SetClaim(Claims.Name, "Ada")
            .SetClaim(Claims.Email, "ada@example.org")
            .SetClaim(Claims.PhoneNumber, "+15550100")
            .SetClaim(Claims.Role, "Administrator")
            .SetClaim(CustomClaims.StampDigest, "digest")
            .SetClaim("AspNet.Identity.SecurityStamp", "stamp");
        identity.SetScopes(scopes);
        return new ClaimsPrincipal(identity);
    }
}
