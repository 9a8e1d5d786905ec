using IdentityProvider.Testing;

namespace IdentityProvider.IntegrationTests.Passwords;

/// <summary>The identity provider with an organisation name and a custom banned term seeded from configuration.</summary>
public sealed class PasswordPolicyFixture : TestServerFixture
{
    protected override void Configure(TestServerOptions server)
    {
        server.Settings["Organization:Name"] = "Northwind";
        server.Settings["Passwords:CustomBannedTerms:0"] = "contoso";
        server.Settings["Passwords:CustomBannedTerms:1"] = "widgets";
    }
}
