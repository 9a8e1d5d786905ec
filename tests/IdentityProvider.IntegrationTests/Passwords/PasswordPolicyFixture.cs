using IdentityProvider.Testing;

namespace IdentityProvider.IntegrationTests.Passwords;

/// <summary>The identity provider with an organisation name and a custom banned term seeded from configuration.</summary>
public sealed class PasswordPolicyFixture : IAsyncLifetime
{
    public IdentityProviderHost Idp { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Idp = await IdentityProviderHost.StartAsync(await TestDatabase.CreateAsync("passwords"), new Dictionary<string, string?>
        {
            ["Organization:Name"] = "Northwind",
            ["Passwords:CustomBannedTerms:0"] = "contoso",
            ["Passwords:CustomBannedTerms:1"] = "widgets",
        });
    }

    public async ValueTask DisposeAsync() => await Idp.DisposeAsync();
}
