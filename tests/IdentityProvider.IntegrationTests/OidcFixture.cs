using IdentityProvider.Testing;

namespace IdentityProvider.IntegrationTests;

/// <summary>
/// A database, the identity provider and a relying party (ASP.NET Core's OpenID Connect handler) registered as a
/// confidential client, shared by the tests of one class.
/// </summary>
public sealed class OidcFixture : IAsyncLifetime
{
    public IdentityProviderHost Idp { get; private set; } = null!;

    public RelyingPartyHost Rp { get; private set; } = null!;

    public string ConnectionString { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        ConnectionString = await TestDatabase.CreateAsync("oidc");
        Idp = await IdentityProviderHost.StartAsync(ConnectionString);
        var rpAddress = RelyingPartyHost.ReserveAddress();
        await TestData.RegisterClientAsync(
            Idp,
            RelyingPartyHost.ClientId,
            new Uri(rpAddress, "signin-oidc"),
            new Uri(rpAddress, "signout-callback-oidc"),
            RelyingPartyHost.ClientSecret,
            OpenIddict.Abstractions.OpenIddictConstants.ConsentTypes.Implicit,
            new Uri(rpAddress, "password-changed"));
        Rp = await RelyingPartyHost.StartAsync(Idp.BaseAddress, rpAddress);
    }

    /// <summary>A fresh conformance-style client for the relying party's registration (its own cookies).</summary>
    public ConformanceClient Client() => new(Idp, RelyingPartyHost.ClientId, RelyingPartyHost.ClientSecret, Rp.RedirectUri);

    public async ValueTask DisposeAsync()
    {
        await Rp.DisposeAsync();
        await Idp.DisposeAsync();
    }
}
