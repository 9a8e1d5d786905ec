using IdentityProvider.Testing;

namespace IdentityProvider.IntegrationTests;

/// <summary>
/// The identity provider and a relying party (ASP.NET Core's OpenID Connect handler) registered as a confidential
/// client, shared by the tests of one class.
/// </summary>
public sealed class OidcFixture : TestServerFixture
{
    /// <summary>A fresh conformance-style client for the relying party's registration (its own cookies).</summary>
    public ConformanceClient Client() => new(Idp, RelyingPartyHost.ClientId, RelyingPartyHost.ClientSecret, Rp.RedirectUri);

    protected override void Configure(TestServerOptions server) => server.RelyingParty = true;
}
