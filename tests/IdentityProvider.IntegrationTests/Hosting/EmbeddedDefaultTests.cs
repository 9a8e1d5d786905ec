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

        // Messages go to the dev mailbox, readable as a page and as JSON.
        using var changePage = await client.GetAsync(new Uri("Account/ChangePassword", UriKind.Relative));
        (await HtmlForms.SubmitAsync(client, changePage, new Dictionary<string, string>
        {
            ["Input.CurrentPassword"] = "Rainy-Harbour-Lantern-42",
            ["Input.NewPassword"] = "Velvet-Thunder-Pickle-Orbit-88",
            ["Input.ConfirmPassword"] = "Velvet-Thunder-Pickle-Orbit-88",
        })).Dispose();
        JsonElement mail = default;
        for (var i = 0; i < 100 && mail.ValueKind == JsonValueKind.Undefined; i++)
        {
            await Task.Delay(100);
            using var mailbox = await client.GetFromJsonAsync<JsonDocument>(new Uri("dev/mailbox.json", UriKind.Relative));
            foreach (var item in mailbox!.RootElement.EnumerateArray().Where(m => m.GetProperty("to").GetString() == "demo@example.org"))
            {
                mail = item.Clone();
            }
        }

        Assert.Equal(JsonValueKind.Object, mail.ValueKind);
        Assert.Equal("email", mail.GetProperty("channel").GetString());
        Assert.Contains("password was changed", mail.GetProperty("subject").GetString(), StringComparison.Ordinal);
        using var mailboxPage = await client.GetAsync(new Uri("dev/mailbox", UriKind.Relative));
        Assert.Contains("demo@example.org", await mailboxPage.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARelativeSqliteFile_IsTheContentRoots_WhereverTheProcessWasStartedFrom()
    {
        // As a published server is often started: from another working directory, with the content root set.
        var root = Directory.CreateTempSubdirectory("idp-root-").FullName;
        Assert.NotEqual(Path.GetFullPath(root), Path.GetFullPath(Environment.CurrentDirectory));
        await using var host = await IdentityProviderHost.StartAsync(
            connectionString: string.Empty,
            settings: new Dictionary<string, string?>
            {
                ["contentRoot"] = root,
                // appsettings.Development.json is the content root's, and this one has none.
                ["Database:MigrateOnStart"] = "true",
                ["ConnectionStrings:PostgreSql"] = null,
                ["ConnectionStrings:Sqlite"] = "Data Source=App_Data/identity.db",
                ["Oidc:Issuer"] = null,
                ["Oidc:Keys:SigningKeyPath"] = null,
                ["Oidc:Keys:EncryptionKeyPath"] = null,
                ["Oidc:Keys:GeneratedKeysDirectory"] = "App_Data/keys",
            },
            environment: "Development");

        using var client = host.CreateClient();
        using var discovery = await client.GetAsync(new Uri(".well-known/openid-configuration", UriKind.Relative));
        Assert.True(discovery.IsSuccessStatusCode);
        Assert.True(File.Exists(Path.Combine(root, "App_Data", "identity.db")));
        Assert.False(File.Exists(Path.Combine(Environment.CurrentDirectory, "App_Data", "identity.db")));
    }
}
