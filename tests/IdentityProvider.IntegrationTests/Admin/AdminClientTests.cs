using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Duende.IdentityModel.Client;
using IdentityProvider.Audit;
using IdentityProvider.IntegrationTests.SelfService;
using IdentityProvider.Testing;

namespace IdentityProvider.IntegrationTests.Admin;

/// <summary>Relying apps registered and changed by administrators, on the page and through the API.</summary>
public sealed class AdminClientTests(RecoveryFixture fixture) : IClassFixture<RecoveryFixture>
{
    private IdentityProviderHost Idp => fixture.Idp;

    [Fact]
    public async Task AnAppRegisteredOnThePage_GetsItsSecretOnce_AndARotationRetiresTheOldOne()
    {
        using var admin = await AdministratorAsync();
        var clientId = "svc-" + Guid.NewGuid().ToString("N")[..8];
        await admin.OpenAsync("admin/clients/edit");
        await admin.SubmitAsync(new()
        {
            ["Form.ClientId"] = clientId, ["Form.Type"] = "confidential", ["Form.CodeFlow"] = "false", ["Form.ClientCredentials"] = "true",
            ["Form.Scopes"] = "admin.audit",
        });
        Assert.Equal($"/admin/clients/edit/{clientId}", admin.Path);
        var secret = HtmlForms.Parse(admin.Html).QuerySelector("code.secret")!.TextContent.Trim();
        Assert.StartsWith("cs_", secret, StringComparison.Ordinal);
        Assert.False((await TokenAsync(clientId, secret, "admin.audit")).IsError);

        await admin.OpenAsync($"admin/clients/edit/{clientId}");
        Assert.Null(HtmlForms.Parse(admin.Html).QuerySelector("code.secret"));

        await admin.SubmitAsync([], "Rotate");
        var rotated = HtmlForms.Parse(admin.Html).QuerySelector("code.secret")!.TextContent.Trim();
        Assert.True((await TokenAsync(clientId, secret, "admin.audit")).IsError);
        Assert.False((await TokenAsync(clientId, rotated, "admin.audit")).IsError);
        Assert.Contains(await fixture.AuditAsync(null), e => e.EventType == AuditEventTypes.AdminClientChanged && e.Reason!.EndsWith($"rotated the secret of client {clientId}", StringComparison.Ordinal));
    }

    [Fact]
    public async Task UnsafeAddressesAndImpossibleFlows_AreRefusedPerField()
    {
        using var admin = await AdministratorAsync();
        await admin.OpenAsync("admin/clients/edit");
        await admin.SubmitAsync(new()
        {
            ["Form.ClientId"] = "x", ["Form.Type"] = "public", ["Form.CodeFlow"] = "true", ["Form.ClientCredentials"] = "true",
            ["Form.RedirectUris"] = "javascript:alert(1)",
        });

        Assert.Equal(HttpStatusCode.BadRequest, admin.Page.StatusCode);
        Assert.Contains("A client id has 3 to 100", admin.Alert, StringComparison.Ordinal);
        Assert.Contains("Only a confidential app", admin.Alert, StringComparison.Ordinal);
        Assert.Contains("is not allowed", admin.Alert, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ThroughTheApi_AnAppIsRegisteredChangedAndUsedForASignIn()
    {
        using var http = await ApiAsync();
        var clientId = "web-" + Guid.NewGuid().ToString("N")[..8];
        using var created = await http.PostAsJsonAsync("api/v1/clients", new
        {
            clientId, displayName = "Web app", type = "public", consentType = "implicit", codeFlow = true,
            redirectUris = new[] { "https://web.example/callback" }, scopes = new[] { "profile" },
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        using var changed = await http.PutAsJsonAsync($"api/v1/clients/{clientId}", new
        {
            displayName = "Web app", consentType = "explicit", codeFlow = true,
            redirectUris = new[] { "https://web.example/callback", "https://web.example/other" }, scopes = new[] { "profile", "email" },
        });
        var view = await changed.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("explicit", view.GetProperty("consentType").GetString());
        Assert.Equal(2, view.GetProperty("redirectUris").GetArrayLength());

        using var rotate = await http.PostAsync(new Uri($"api/v1/clients/{clientId}/secret", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.Conflict, rotate.StatusCode);

        // The registered app works with the authorization endpoint: a signed-in user is asked for consent.
        var user = await TestData.CreateUserAsync(Idp);
        var browser = new AuthorizationCodeClient(Idp);
        await browser.SignInAsync(user.UserName!, TestData.Password);
        var (_, challenge) = AuthorizationCodeClient.NewPkce();
        using var authorize = await browser.AuthorizeAsync(AuthorizationCodeClient.Request(clientId, new Uri("https://web.example/other"), challenge, "openid email"));
        Assert.StartsWith("/Account/Consent", authorize.Headers.Location!.OriginalString, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ThroughTheApi_PkceBackChannelLogoutAndBrowserOrigins_AreSetAndShown_AndPublicAppsAlwaysUsePkce()
    {
        using var http = await ApiAsync();
        var clientId = "server-" + Guid.NewGuid().ToString("N")[..8];
        using var created = await http.PostAsJsonAsync("api/v1/clients", new
        {
            clientId, type = "confidential", codeFlow = true, redirectUris = new[] { "https://server.example/callback" },
            requirePkce = false, backChannelLogoutUri = "https://server.example/logout", allowedOrigins = new[] { "https://spa.server.example/" },
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var view = await http.GetFromJsonAsync<JsonElement>($"api/v1/clients/{clientId}");
        Assert.False(view.GetProperty("requirePkce").GetBoolean());
        Assert.Equal("https://server.example/logout", view.GetProperty("backChannelLogoutUri").GetString());
        Assert.Equal("https://spa.server.example", view.GetProperty("allowedOrigins")[0].GetString());

        var publicId = "spa-" + Guid.NewGuid().ToString("N")[..8];
        using var publicApp = await http.PostAsJsonAsync("api/v1/clients", new
        {
            clientId = publicId, type = "public", codeFlow = true, redirectUris = new[] { "https://spa.example/callback" }, requirePkce = false,
        });
        Assert.True((await publicApp.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("requirePkce").GetBoolean());
    }

    [Fact]
    public async Task ThroughTheApi_AnUnsafeBackChannelAddressOrANonOrigin_IsRefusedPerField()
    {
        using var http = await ApiAsync();

        using var response = await http.PostAsJsonAsync("api/v1/clients", new
        {
            clientId = "bad-" + Guid.NewGuid().ToString("N")[..8], type = "confidential", codeFlow = true, redirectUris = new[] { "https://bad.example/callback" },
            backChannelLogoutUri = "http://bad.example/logout", allowedOrigins = new[] { "https://bad.example/app" },
        });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.True(errors.TryGetProperty("backChannelLogoutUri", out _));
        Assert.True(errors.TryGetProperty("allowedOrigins", out _));
    }

    [Fact]
    public async Task OnThePage_PkceBackChannelLogoutAndBrowserOrigins_AreSavedAndShown()
    {
        using var admin = await AdministratorAsync();
        var clientId = "page-" + Guid.NewGuid().ToString("N")[..8];
        await admin.OpenAsync("admin/clients/edit");
        await admin.SubmitAsync(new()
        {
            ["Form.ClientId"] = clientId, ["Form.Type"] = "confidential", ["Form.CodeFlow"] = "true", ["Form.RequirePkce"] = "false",
            ["Form.RedirectUris"] = "https://page.example/callback", ["Form.BackChannelLogoutUri"] = "https://page.example/logout",
            ["Form.AllowedOrigins"] = "https://page.example\nhttps://other.page.example",
        });

        await admin.OpenAsync($"admin/clients/edit/{clientId}");
        var form = HtmlForms.Parse(admin.Html);
        Assert.Null(form.QuerySelector("#Form_RequirePkce")!.GetAttribute("checked"));
        Assert.Equal("https://page.example/logout", form.QuerySelector("#Form_BackChannelLogoutUri")!.GetAttribute("value"));
        Assert.Contains("https://other.page.example", form.QuerySelector("#Form_AllowedOrigins")!.TextContent, StringComparison.Ordinal);
    }

    private async Task<TokenResponse> TokenAsync(string clientId, string secret, string scope)
    {
        using var http = new HttpClient();
        return await http.RequestClientCredentialsTokenAsync(new ClientCredentialsTokenRequest
        {
            Address = new Uri(Idp.BaseAddress, "connect/token").ToString(), ClientId = clientId, ClientSecret = secret, Scope = scope,
        });
    }

    private async Task<HttpClient> ApiAsync()
    {
        var clientId = "automation-" + Guid.NewGuid().ToString("N")[..8];
        await TestData.RegisterServiceClientAsync(Idp, clientId, "cs_" + clientId + "-secret", "admin.clients");
        var token = await TokenAsync(clientId, "cs_" + clientId + "-secret", "admin.clients");
        var http = new HttpClient { BaseAddress = Idp.BaseAddress };
        http.SetBearerToken(token.AccessToken!);
        return http;
    }

    private async Task<RecoveryBrowser> AdministratorAsync()
    {
        var admin = await RecoveryData.CreateUserAsync(Idp, role: "Administrator", authenticator: true);
        var browser = new RecoveryBrowser(Idp);
        await StaffSession.SignInAsync(Idp, browser, admin);
        await browser.OpenAsync("admin/verify");
        await browser.SubmitAsync(new() { ["Secret"] = RecoveryData.AuthenticatorCode(DateTimeOffset.UtcNow) });
        return browser;
    }
}
