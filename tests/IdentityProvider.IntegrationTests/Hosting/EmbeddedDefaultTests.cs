using System.Net.Http.Json;
using System.Text.Json;
using IdentityProvider.Testing;

namespace IdentityProvider.IntegrationTests.Hosting;

/// <summary>
/// The embedded default, as the README's run command starts it: Development environment, SQLite file,
/// generated keys, migrated and seeded at start.
/// </summary>
public sealed class EmbeddedDefaultTests
{
    [Fact]
    public async Task EmbeddedDefault_Migrates_Seeds_ServesDiscovery_AndTheDemoUserCanSignIn()
    {
        var folder = Directory.CreateTempSubdirectory("idp-embedded-").FullName;
        await using var host = await IdentityProviderHost.StartAsync(
            connectionString: string.Empty,
            settings: new Dictionary<string, string?>
            {
                ["ConnectionStrings:PostgreSql"] = null,
                ["ConnectionStrings:Sqlite"] = $"Data Source={Path.Combine(folder, "identity.db")}",
                ["Oidc:Issuer"] = null,
                ["Oidc:AllowInsecureHttp"] = null,
                ["Oidc:Keys:SigningKeyPath"] = null,
                ["Oidc:Keys:EncryptionKeyPath"] = null,
                ["Oidc:Keys:GeneratedKeysDirectory"] = Path.Combine(folder, "keys"),
            },
            environment: "Development");

        using var client = host.CreateClient();
        using var discovery = await client.GetFromJsonAsync<JsonDocument>(new Uri(".well-known/openid-configuration", UriKind.Relative));
        Assert.Equal(new Uri(host.BaseAddress, "connect/authorize").ToString(), discovery!.RootElement.GetProperty("authorization_endpoint").GetString());
        Assert.True(File.Exists(Path.Combine(folder, "keys", "signing-key.pem")));

        using var login = await client.GetAsync(new Uri("Account/Login", UriKind.Relative));
        using var signedIn = await HtmlForms.SignInAsync(client, login, "demo", "Rainy-Harbour-Lantern-42");
        var home = await signedIn.Content.ReadAsStringAsync();
        Assert.Contains("You are signed in as <strong>demo</strong>", home, StringComparison.Ordinal);

        using var demoPage = await client.GetAsync(new Uri("demo", UriKind.Relative));
        Assert.True(demoPage.IsSuccessStatusCode);
    }
}
